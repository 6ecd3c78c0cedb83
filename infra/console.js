// CloudFront Function (cloudfront-js-2.0, viewer request) of the operator console's behaviour
// (/console/*, served from S3). S3 has no index documents behind origin access control, and the
// console's pages are paths of one single-page app: a path whose last segment has no file
// extension (/console/, /console/boxes/CP001) gets the console's index.html; a file
// (/console/app.js, /console/config.json) is fetched as it is. infra/console.go prepends the
// INDEX declaration ("/console/index.html").

function handler(event) {
    var request = event.request;
    var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
    if (last.indexOf('.') === -1) {
        request.uri = INDEX;
    }
    return request;
}
