package load

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Markdown is the storm's section of docs/scale.md.
func (r *StormReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on this machine (%d cores, %s/%s, shared with other work): %d boxes × %d connectors "+
		"connect at the same instant to the local stack (a child process) on DynamoDB Local; each retries a failed connection "+
		"after a full-jitter exponential backoff (1 s base, cap %s).\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, r.Boxes, r.Connectors, r.ReconnectCap)
	fmt.Fprintf(&b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| connected / booted at the end | %d / %d of %d |\n", r.Connected, r.Booted, r.Boxes)
	fmt.Fprintf(&b, "| time until 99 %% booted (BootNotification accepted) | %s |\n", r.To99.Round(100*time.Millisecond))
	fmt.Fprintf(&b, "| time until 100 %% booted | %s (%.0f boots/s) |\n", r.To100.Round(100*time.Millisecond), rate(r.Boxes, r.To100))
	fmt.Fprintf(&b, "| connection attempts throttled with 429 / failed otherwise (all retried) | %d / %d |\n", r.Throttled, r.FailedAttempts)
	fmt.Fprintf(&b, "| CALLs sent / answered CALLRESULT / answered CALLERROR / in the frame log (lost: CALLRESULT without a row) | %d / %d / %d / %d (%d) |\n",
		r.CallsSent, r.CallsAccepted, r.CallsRefused, r.CallsLogged, r.Lost())
	fmt.Fprintf(&b, "| /summary: boxes online, connectors by status, running sessions | %d, %v, %d (want %d, %v, 0) |\n",
		r.Summary.ConnectedChargeBoxes, r.Summary.ConnectorsByStatus, r.Summary.RunningSessions, r.Boxes, r.wantSummary().ConnectorsByStatus)
	fmt.Fprintf(&b, "| errors seen by the boxes (failed connection attempts included) | %d |\n", r.Errors)
	for _, u := range r.Usage {
		fmt.Fprintf(&b, "| %s: CPU, peak RSS | %s (%.0f%% of one core), %.0f MiB |\n", u.Process, u.CPU.Round(time.Second/10), 100*u.CPUShare, float64(u.PeakRSS)/(1<<20))
	}
	for name, p := range r.Processes {
		fmt.Fprintf(&b, "| %s: open files (limit), threads | %d (%s), %d |\n", name, p.OpenFiles, p.FileLimit, p.Threads)
	}
	return b.String()
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// ProcessFiles is what a process held when every box was connected.
type ProcessFiles struct {
	OpenFiles int    `json:"openFiles"`
	FileLimit string `json:"fileLimit"` // soft limit of RLIMIT_NOFILE, as /proc/PID/limits says
	Threads   int    `json:"threads"`
}

// processFiles reads /proc for pid (Linux only; zero values elsewhere).
func processFiles(pid int) ProcessFiles {
	var p ProcessFiles
	if fds, err := os.ReadDir(filepath.Join("/proc", fmt.Sprint(pid), "fd")); err == nil {
		p.OpenFiles = len(fds)
	}
	if b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "limits")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); strings.HasPrefix(line, "Max open files") && len(f) >= 4 {
				p.FileLimit = f[3]
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "status")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Threads:"); ok {
				_, _ = fmt.Sscan(strings.TrimSpace(v), &p.Threads)
			}
		}
	}
	return p
}
