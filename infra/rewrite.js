// CloudFront Function (cloudfront-js-2.0, viewer request) in front of the API Gateway WebSocket
// API. Charge boxes append their identity to the configured URL (wss://<domain>/ocpp/{id}), but
// API Gateway refuses any path after the stage, so the identity moves into the chargeBoxId query
// parameter that the $connect authorizer reads. infra/cloudfront.go prepends the STAGE_PATH
// declaration ("/<stage>").

// MAX_ID_LENGTH bounds the decoded identity; OCPP 1.6 identities are far shorter.
var MAX_ID_LENGTH = 255;

var PATH = /^\/ocpp\/([^\/]+)$/;

function notFound() {
    return { statusCode: 404, statusDescription: 'Not Found' };
}

function handler(event) {
    var request = event.request;
    var match = PATH.exec(request.uri);
    if (!match) {
        return notFound();
    }
    var id;
    try {
        // The path segment arrives percent-encoded as sent; decode it once so that the query
        // parameter carries the identity encoded exactly once.
        id = decodeURIComponent(match[1]);
    } catch (e) {
        return notFound();
    }
    if (id.length === 0 || id.length > MAX_ID_LENGTH) {
        return notFound();
    }
    var query = request.querystring || {};
    // The path is the only source of the identity: drop a chargeBoxId the client sent itself.
    for (var name in query) {
        if (name.toLowerCase() === 'chargeboxid') {
            delete query[name];
        }
    }
    query.chargeBoxId = { value: encodeURIComponent(id) };
    request.querystring = query;
    request.uri = STAGE_PATH;
    return request;
}
