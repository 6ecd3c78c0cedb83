package browser

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/console"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

const (
	boxID = "UI-BOX-1"
	tag   = "UI-TAG-1"
)

// env is a local stack, a simulated box and a browser tab signed in to the console.
type env struct {
	t        *testing.T
	st       *stack.Stack
	ctx      context.Context
	shots    string
	simStart time.Time
}

func TestConsoleInABrowser(t *testing.T) {
	e := start(t)
	e.signIn(e.st.Config.APIToken)
	// The steps build on each other (the tag, then a session with it): the first failure ends the test.
	for _, step := range []struct {
		name string
		run  func(*env)
	}{
		{"a connected box appears online", (*env).boxAppearsOnline},
		{"an id tag is added", (*env).addIDTag},
		{"a session started and stopped from the console", (*env).remoteSession},
		{"a configuration key is changed and read back", (*env).changeConfiguration},
		{"the Commands page lists the commands sent from the console", (*env).commandsPage},
		{"bad input shows the API's error next to the field", (*env).badInput},
		{"a viewer sees no control that changes anything", (*env).viewer},
		{"pages fit a phone's width", (*env).phone},
	} {
		if !t.Run(step.name, func(t *testing.T) { step.run(e.on(t)) }) {
			return
		}
	}
}

// on returns the environment reporting to t (a subtest).
func (e *env) on(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// start runs the stack, the box and chromium; everything stops when the test ends.
func start(t *testing.T) *env {
	t.Helper()
	chromium := testenv.Tool(t, "chromium", "install Debian's chromium package: `sudo apt-get install -y chromium` (.ci/run does)")
	if _, err := console.Files(); err != nil {
		t.Fatal(err)
	}
	cfg := storetest.Config(t)
	cfg.AutoRegister = true
	cfg.MessageRetention = time.Hour
	shots := t.TempDir()
	if w := os.Getenv("WRITE"); w == "1" || w == "true" || w == "yes" {
		shots = filepath.Join("..", "..", "..", "docs", "img")
	}

	// Chromium starts while the stack creates its tables.
	began := time.Now()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Env("TZ=Europe/Berlin"))...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTime)
	browser := make(chan error, 1)
	go func() { browser <- chromedp.Do(ctx) }()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := stack.Start(context.Background(), cfg, stack.Options{WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	t.Logf("local stack started in %s", time.Since(began).Round(100*time.Millisecond))
	if err := <-browser; err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	t.Logf("chromium ready after %s", time.Since(began).Round(100*time.Millisecond))
	e := &env{t: t, st: st, ctx: ctx, shots: shots}
	e.startBox()
	return e
}

// startBox connects a simulated box that charges only when asked and sends MeterValues every
// second while it does.
func (e *env) startBox() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.t.Cleanup(func() { cancel(); <-done })
	e.simStart = time.Now()
	go func() {
		defer close(done)
		_, err := simulator.Run(ctx, simulator.Config{
			URL: strings.TrimSuffix(e.st.WSURL, "/"), IDs: []string{boxID}, Manual: true, Connectors: 2,
			MeterInterval: time.Second, SessionLength: time.Hour, IdleTime: time.Hour, RampUp: time.Millisecond,
		})
		if err != nil && ctx.Err() == nil {
			e.t.Errorf("simulator: %v", err)
		}
	}()
}

// run runs browser actions, failing the test with what was being done.
func (e *env) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(e.ctx, steps...); err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// until waits for a JavaScript condition to hold, naming it when it does not in time.
func (e *env) until(what, js string, within time.Duration) {
	e.t.Helper()
	if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		e.explain()
		e.t.Fatalf("%s (waited %s for %s): %v", what, within, js, err)
	}
}

func (e *env) open(hash string) {
	e.t.Helper()
	e.run("open "+hash, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("void (location.hash = %q)", hash)))
}

// explain saves what the page showed when a wait failed: a screenshot and the page's text.
func (e *env) explain() {
	e.t.Helper()
	dir := e.t.TempDir()
	if png, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot()); err == nil {
		path := filepath.Join(dir, "failure.png")
		if err := os.WriteFile(path, png, 0o644); err == nil {
			e.t.Logf("the page at the failure: %s", path)
		}
	}
	if txt, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.querySelector('main')?.innerText || document.body.innerText`)); err == nil {
		e.t.Logf("the page's text:\n%s", txt)
	}
}

// eval returns the string value of a JavaScript expression.
func (e *env) eval(js string) string {
	e.t.Helper()
	v, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		e.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (e *env) screenshot(name string) {
	e.t.Helper()
	png, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		e.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(e.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		e.t.Fatalf("save screenshot: %v", err)
	}
	e.t.Logf("screenshot %s", path)
}

// text is a JavaScript expression for the visible text of the first element matching sel.
func text(sel string) string {
	return fmt.Sprintf("(document.querySelector(%q)?.textContent || '')", sel)
}

// retype replaces the text of an input by typing, as a person does: select it all, then type.
func retype(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf("document.querySelector(%q).select()", sel)),
		chromedp.SendKeys(chromedp.CSS(sel), value),
	)
}

func (e *env) signIn(token string) {
	e.t.Helper()
	e.run("sign in",
		chromedp.Navigate(e.st.ConsoleURL),
		chromedp.WaitVisible(chromedp.CSS(`input[name="token"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), token),
		chromedp.Click(chromedp.CSS(`form[aria-label="Sign in"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Pages"]`)),
	)
}

func (e *env) boxAppearsOnline() {
	e.open("#/fleet")
	e.until("the box is listed online on the fleet page", fmt.Sprintf(`[...document.querySelectorAll('.online-list a')].some(a => a.textContent === %q)`, boxID), 20*time.Second)
	e.t.Logf("online in the console %s after the simulator started", time.Since(e.simStart).Round(100*time.Millisecond))
	e.until("the online count shows it", text(`[data-count="online"] .n`)+` === '1'`, 10*time.Second)
	e.screenshot("console-fleet.png")
}

func (e *env) addIDTag() {
	e.open("#/id-tags")
	e.run("add an id tag",
		chromedp.Click(chromedp.Search(`//button[text()="Add an id tag"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[aria-label="Add an id tag"] input[name="idTag"]`), tag),
		chromedp.SendKeys(chromedp.CSS(`form[aria-label="Add an id tag"] input[name="maxActiveTransactions"]`), "1"),
		chromedp.Click(chromedp.CSS(`form[aria-label="Add an id tag"] button[type="submit"]`)),
	)
	e.until("the tag is listed", fmt.Sprintf(`[...document.querySelectorAll('td')].some(td => td.textContent === %q)`, tag), 10*time.Second)
}

func (e *env) remoteSession() {
	e.open("#/boxes/" + boxID)
	e.until("connector 1 is Available", text(`[data-connector="1"]`)+` === 'Available'`, 15*time.Second)
	e.run("start a session", chromedp.SendKeys(chromedp.CSS(`#idtag-1`), tag), chromedp.Click(chromedp.CSS(`button[aria-label="Start a session on connector 1"]`)))
	e.until("the box accepted RemoteStartTransaction", `[...document.querySelectorAll('.answer')].some(a => a.textContent === 'Accepted')`, 20*time.Second)
	e.until("connector 1 shows its session", `!!document.querySelector('td a[href^="#/sessions/"]')`, 15*time.Second)
	href := e.eval(`document.querySelector('td a[href^="#/sessions/"]').getAttribute('href')`)

	e.open(href)
	e.until("the session runs", text("#session-status")+` === 'running'`, 10*time.Second)
	e.until("meter values are plotted", `Number(document.querySelector('.plot')?.dataset.points || 0) >= 4 && !!document.querySelector('.plot canvas')`, 30*time.Second)
	e.screenshot("console-session.png")

	e.open("#/boxes/" + boxID)
	e.run("stop the session", chromedp.Click(chromedp.CSS(`button[aria-label^="Stop session"]`)))
	e.until("the box accepted RemoteStopTransaction", `[...document.querySelectorAll('.answer')].some(a => a.textContent === 'Accepted')`, 20*time.Second)
	e.open(href)
	e.until("the session is finished", text("#session-status")+` === 'finished'`, 20*time.Second)
	e.until("its stop reason is Remote", `document.body.textContent.includes('Remote')`, 5*time.Second)
}

func (e *env) changeConfiguration() {
	e.open("#/boxes/" + boxID)
	value := `document.querySelector('.config-value[data-key="HeartbeatInterval"]')?.textContent`
	e.run("read every key", chromedp.Click(chromedp.Search(`//button[text()="Read all keys from the box"]`)))
	e.until("the keys are read", value+` === '300'`, 20*time.Second)
	e.run("change HeartbeatInterval",
		chromedp.Click(chromedp.CSS(`button[aria-label="Change HeartbeatInterval"]`)),
		retype(`#cfg-HeartbeatInterval`, "60"),
		chromedp.Click(chromedp.CSS(`form[aria-label="Change HeartbeatInterval"] button[type="submit"]`)),
	)
	e.until("the new value is read back from the box", value+` === '60'`, 20*time.Second)
	e.run("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	e.screenshot("console-box.png")
}

// commandsPage finds the ChangeConfiguration sent above in GET /commands (the fleet's, newest
// first) and in the box's own listing, with the box's answer.
func (e *env) commandsPage() {
	e.open("#/commands")
	answered := func(box bool) string {
		return fmt.Sprintf(`(() => { const row = [...document.querySelectorAll('tbody tr')].find(tr => tr.textContent.includes('ChangeConfiguration'));
			return !!row && row.textContent.includes('answered') && row.textContent.includes('Accepted') && (%t || row.textContent.includes(%q)); })()`, box, boxID)
	}
	e.until("the fleet listing shows the ChangeConfiguration and its answer", answered(false), 10*time.Second)
	e.run("filter by the box", chromedp.SendKeys(chromedp.CSS(`input[name="box"]`), boxID), chromedp.Click(chromedp.Search(`//button[text()="Show"]`)))
	e.until("the box's listing shows it", `document.querySelector('main p.muted').textContent.includes(`+fmt.Sprintf("%q", boxID)+`) && `+answered(true), 10*time.Second)
	e.open("#/boxes/" + boxID)
	e.until("the box page lists its recent commands", `[...document.querySelectorAll('section[aria-labelledby="box-commands"] tbody tr')].some(tr => tr.textContent.includes('RemoteStartTransaction'))`, 10*time.Second)
}

func (e *env) badInput() {
	e.open("#/boxes")
	form := `form[aria-label="Add a charge box"] `
	e.run("add a box with a short password",
		chromedp.Click(chromedp.Search(`//button[text()="Add a charge box"]`)),
		chromedp.SendKeys(chromedp.CSS(form+`input[name="id"]`), "UI-BAD-1"),
		retype(form+`input[name="password"]`, "short"),
		chromedp.Click(chromedp.CSS(form+`button[type="submit"]`)),
	)
	// The API's words, beside the password field (and only there).
	e.until("the API's error shows next to the password", `(() => {
		const input = document.querySelector('`+form+`input[name="password"]');
		const err = document.getElementById(input.getAttribute('aria-describedby') || 'none');
		return input.getAttribute('aria-invalid') === 'true' && !!err && input.parentElement.contains(err) &&
			err.textContent === 'password must have 16 to 40 characters (OCPP security profile 1/2)';
	})()`, 10*time.Second)
}

func (e *env) viewer() {
	e.run("sign out", chromedp.Click(chromedp.Search(`//button[text()="Sign out"]`)), chromedp.WaitVisible(chromedp.CSS(`input[name="token"]`)))
	e.signIn(e.st.ViewerToken)
	e.until("signed in as a viewer", text(".role")+` === 'viewer'`, 5*time.Second)
	// Only navigation, sorting, search, details and sign-out: nothing that changes anything.
	noControls := `(() => {
		const allowed = new Set(['Sign out']);
		const bad = [...document.querySelectorAll('main button, main input:not([type=search]), main select, main textarea, main form')]
			.filter(el => !el.closest('th') && !(el.tagName === 'FORM' && el.classList.contains('filters')) && !el.closest('form.filters') && !allowed.has(el.textContent))
			.filter(el => !(el.closest('form[aria-label="Look up a command"]')));
		return bad.length === 0 ? '' : bad.map(el => el.outerHTML.slice(0, 80)).join(' | ');
	})()`
	for _, page := range []struct{ hash, loaded string }{
		{"#/boxes", fmt.Sprintf(`[...document.querySelectorAll('td a')].some(a => a.textContent === %q)`, boxID)},
		{"#/boxes/" + boxID, `!!document.querySelector('.config-value') && !!document.querySelector('[data-connector="1"]')`},
		{"#/id-tags", fmt.Sprintf(`[...document.querySelectorAll('td')].some(td => td.textContent === %q)`, tag)},
		{"#/fleet", `!!document.querySelector('.online-list a')`},
	} {
		e.open(page.hash)
		e.until("the viewer's "+page.hash+" has loaded", page.loaded, 10*time.Second)
		if found := e.eval(noControls); found != "" {
			e.t.Errorf("%s shows a viewer controls that change things: %s", page.hash, found)
		}
	}
}

// phone checks that no page is wider than a phone's screen (nothing to scroll sideways but
// the frames and JSON boxes, which scroll inside themselves).
func (e *env) phone() {
	e.run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	defer e.run("desktop viewport", chromedp.EmulateViewport(1280, 900))
	for _, hash := range []string{"#/fleet", "#/boxes", "#/boxes/" + boxID, "#/sessions", "#/id-tags", "#/commands"} {
		e.open(hash)
		e.until(hash+" has loaded", `!!document.querySelector('.refreshed, table')`, 10*time.Second)
		if wide := e.eval(`(() => { const w = document.documentElement.clientWidth;
			const over = [...document.querySelectorAll('main *')].filter(el => el.getBoundingClientRect().right > w + 1 && !el.closest('.json, .table-wrap, .plot'));
			return document.documentElement.scrollWidth > w + 1 ? over.slice(0, 3).map(el => el.tagName + '.' + el.className).join(' ') || 'the page' : ''; })()`); wide != "" {
			e.t.Errorf("%s is wider than a phone: %s", hash, wide)
		}
	}
}
