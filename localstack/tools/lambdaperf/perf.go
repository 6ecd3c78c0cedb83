package lambdaperf

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

// Result is what one function's artifact weighs and how fast it starts.
type Result struct {
	Function string `json:"function"`
	// ZipBytes is the deployment zip (linux/arm64, the runtime provided.al2023 runs);
	// BinaryBytes the bootstrap in it.
	ZipBytes    int64 `json:"zipBytes"`
	BinaryBytes int64 `json:"binaryBytes"`
	// Init is Init Duration: process start to the first request for an invocation, measured
	// on the local architecture's build, as the median of Starts cold starts.
	Init   time.Duration   `json:"init"`
	Inits  []time.Duration `json:"inits"`
	Starts int             `json:"starts"`
	// FirstInvoke and WarmInvoke are the durations of the first (cold) and the median of the
	// following invocations of the samples; Events names the samples used.
	FirstInvoke time.Duration `json:"firstInvoke"`
	WarmInvoke  time.Duration `json:"warmInvoke"`
	Events      []string      `json:"events"`
	Errors      []string      `json:"errors,omitempty"`
}

// Options of a measurement.
type Options struct {
	// Functions are the folders under functions/ to measure.
	Functions []string
	// Root is the repository root; EventsDir holds events/<function>/*.json.
	Root string
	// Env is the functions' configuration (DYNAMODB_ENDPOINT, TABLE_PREFIX, ...).
	Env []string
	// Starts is the number of cold starts per function (default 5).
	Starts int
	// Work is a scratch folder for the builds.
	Work string
}

// Measure builds every function twice (arm64 zip for its size, the local architecture to run)
// and measures its cold starts and invocations.
func Measure(ctx context.Context, o Options) ([]Result, error) {
	if o.Starts == 0 {
		o.Starts = 5
	}
	var out []Result
	for _, fn := range o.Functions {
		r := Result{Function: fn, Starts: o.Starts}
		arm := filepath.Join(o.Work, "arm64", fn, "bootstrap")
		if err := build(ctx, o.Root, fn, "arm64", arm); err != nil {
			return nil, err
		}
		var err error
		if r.ZipBytes, r.BinaryBytes, err = zipSize(arm); err != nil {
			return nil, err
		}
		local := filepath.Join(o.Work, runtime.GOARCH, fn, "bootstrap")
		if err := build(ctx, o.Root, fn, runtime.GOARCH, local); err != nil {
			return nil, err
		}
		events, _ := filepath.Glob(filepath.Join(o.Root, "events", fn, "*.json"))
		sort.Strings(events)
		for _, e := range events {
			r.Events = append(r.Events, filepath.Base(e))
		}
		var warm []time.Duration
		for i := range o.Starts {
			init, first, rest, errs := coldStart(ctx, local, fn, o.Env, events)
			r.Errors = append(r.Errors, errs...)
			if init > 0 {
				r.Inits = append(r.Inits, init)
			}
			if i == 0 {
				r.FirstInvoke = first
			}
			warm = append(warm, rest...)
		}
		r.Init = median(r.Inits)
		r.WarmInvoke = median(warm)
		slices.Sort(r.Errors)
		r.Errors = slices.Compact(r.Errors)
		out = append(out, r)
	}
	return out, nil
}

// build compiles functions/<fn> exactly as `make build` does, for arch.
func build(ctx context.Context, root, fn, arch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./functions/"+fn)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for %s: %w\n%s", fn, arch, err, b)
	}
	return nil
}

// zipSize deflates the bootstrap into a zip in memory, as `make build` packages it.
func zipSize(bootstrap string) (zipBytes, binBytes int64, err error) {
	bin, err := os.ReadFile(bootstrap)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err == nil {
		_, err = w.Write(bin)
	}
	if err == nil {
		err = zw.Close()
	}
	return int64(buf.Len()), int64(len(bin)), err
}

// coldStart runs one process of the function: its init duration, the duration of the first
// invocation and of the later ones.
func coldStart(ctx context.Context, bootstrap, fn string, env []string, events []string) (time.Duration, time.Duration, []time.Duration, []string) {
	var errs []string
	rt, err := NewRuntime()
	if err != nil {
		return 0, 0, nil, []string{err.Error()}
	}
	defer rt.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.Command(bootstrap)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + rt.Addr, "AWS_LAMBDA_FUNCTION_NAME=" + fn, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=" + filepath.Dir(bootstrap),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "LOG_LEVEL=error",
		"PATH=" + os.Getenv("PATH"),
	}, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, nil, []string{fmt.Sprintf("start: %v", err)}
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	ready, err := rt.WaitInit(ctx, exited)
	if err != nil {
		return 0, 0, nil, []string{err.Error()}
	}
	init := ready.Sub(started)
	var first time.Duration
	var rest []time.Duration
	for i, e := range events {
		body, err := os.ReadFile(e)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		inv, err := rt.Invoke(ctx, fmt.Sprintf("req-%d", i), body)
		switch {
		case err != nil:
			errs = append(errs, fmt.Sprintf("%s: %v", filepath.Base(e), err))
			continue
		case inv.Error != "" && !expectedError(fn, e):
			errs = append(errs, fmt.Sprintf("%s: %s", filepath.Base(e), strings.TrimSpace(inv.Error)))
		}
		if i == 0 {
			first = inv.Duration
		} else {
			rest = append(rest, inv.Duration)
		}
	}
	return init, first, rest, errs
}

// expectedError tells the samples whose error answer is the documented behaviour: the
// authorizer's "Unauthorized" for a box with wrong credentials.
func expectedError(fn, event string) bool {
	return fn == "authorizer" && strings.Contains(event, "bad-credentials")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// Markdown renders the results as a table.
func Markdown(rs []Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s/%s (%d cores); Init Duration is the median of %d cold starts of the %s build (the deployed build is arm64).\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), startsOf(rs), runtime.GOARCH)
	b.WriteString("| function | zip (arm64) | bootstrap | Init Duration (median) | init min–max | first invoke | warm invoke (median) | samples |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rs {
		lo, hi := time.Duration(0), time.Duration(0)
		if len(r.Inits) > 0 {
			lo, hi = slices.Min(r.Inits), slices.Max(r.Inits)
		}
		samples := strings.Join(r.Events, ", ")
		if samples == "" {
			samples = "none (init only)"
		}
		fmt.Fprintf(&b, "| %s | %.1f MiB | %.1f MiB | %s | %s–%s | %s | %s | %s |\n", r.Function, mib(r.ZipBytes), mib(r.BinaryBytes),
			msf(r.Init), msf(lo), msf(hi), msf(r.FirstInvoke), msf(r.WarmInvoke), samples)
	}
	for _, r := range rs {
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "\n- %s: %s", r.Function, e)
		}
	}
	return b.String()
}

func startsOf(rs []Result) int {
	if len(rs) == 0 {
		return 0
	}
	return rs[0].Starts
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func msf(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
