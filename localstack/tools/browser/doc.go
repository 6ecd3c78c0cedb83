// Package browser tests the operator console (shared/console) in a real browser: Debian's
// chromium, driven from Go with chromedp, against the local stack with a simulated charge box
// on a real WebSocket. WRITE=1 saves the screenshots into docs/img for docs/console.md.
package browser
