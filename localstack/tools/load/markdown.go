package load

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Markdown renders the report for docs/performance.md: the run's shape, throughput, latency
// per action, the correctness checks and the stack's CPU and memory.
func (r *Report) Markdown(o Options) string {
	s := r.Summary
	var b strings.Builder
	elapsed := r.Finished.Sub(r.Started)
	fmt.Fprintf(&b, "Measured %s on this machine (%d cores, %s/%s): %d boxes × %d connectors for %s (+ shutdown), "+
		"ramp-up %s, time scale %g (heartbeat %ds from the system → every %s; MeterValues every %s; sessions ~%s, idle ~%s), "+
		"misbehaving boxes %.0f%%, random disconnects every ~%s per box (scaled).\n\n",
		r.Started.UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, s.Boxes, o.Sim.Connectors, o.Sim.Duration, o.Sim.RampUp,
		o.Sim.TimeScale, int(o.Config.HeartbeatInterval/time.Second), scaled(o.Config.HeartbeatInterval, o.Sim.TimeScale),
		scaled(o.Sim.MeterInterval, o.Sim.TimeScale), scaled(o.Sim.SessionLength, o.Sim.TimeScale), scaled(o.Sim.IdleTime, o.Sim.TimeScale),
		100*o.Sim.Misbehave, scaled(o.Sim.DisconnectEvery, o.Sim.TimeScale))
	fmt.Fprintf(&b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| frames sent by the boxes | %d (%.1f msgs/s over %s) |\n", s.Sent, float64(s.Sent)/elapsed.Seconds(), elapsed.Round(time.Second))
	fmt.Fprintf(&b, "| answers received | %d |\n", s.Answered)
	fmt.Fprintf(&b, "| errors (unexpected CALLERRORs, timeouts, invalid frames) | %d |\n", s.Errors)
	fmt.Fprintf(&b, "| expected CALLERRORs from misbehaving frames | %d |\n", sumCounts(s.Expected))
	fmt.Fprintf(&b, "| sessions run by the boxes (started / stopped) | %d / %d |\n", s.SessionsStarted, s.SessionsStopped)
	fmt.Fprintf(&b, "| sessions stored (missing / extra / mismatched / reused ids) | %d (%d / %d / %d / %d) |\n",
		r.Stored.Stored, len(r.Stored.Missing), len(r.Stored.Extra), len(r.Stored.Mismatched), len(r.Stored.Reused))
	if r.Published.Pending {
		fmt.Fprintf(&b, "| sessions published | not checked: no RabbitMQ (AMQP_URL unset) |\n")
	} else {
		fmt.Fprintf(&b, "| sessions published (want / distinct ids / deliveries; missing / extra / wrong) | %d / %d / %d; %d / %d / %d |\n",
			r.Published.Want, r.Published.Unique, r.Published.Deliveries, len(r.Published.Missing), len(r.Published.Extra), len(r.Published.WrongBody))
	}
	for _, u := range r.Usage {
		fmt.Fprintf(&b, "| %s: CPU | %s (%.0f%% of one core) |\n", u.Process, u.CPU.Round(time.Second/10), 100*u.CPUShare)
		fmt.Fprintf(&b, "| %s: peak RSS | %.0f MiB |\n", u.Process, float64(u.PeakRSS)/(1<<20))
	}
	fmt.Fprintf(&b, "\nLatency seen by the boxes (WebSocket round trip through the gateway, handler and DynamoDB Local):\n\n")
	fmt.Fprintf(&b, "| action | sent | CALLRESULT | CALLERROR | p50 | p95 | p99 | max |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, a := range s.Actions {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %s | %s | %s |\n", a.Action, a.Sent, a.Results, a.Errors, msf(a.P50), msf(a.P95), msf(a.P99), msf(a.Max))
	}
	if len(s.Events) > 0 {
		fmt.Fprintf(&b, "\nEvents: ")
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.Events)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, s.Events[k]))
		}
		fmt.Fprintf(&b, "%s.\n", strings.Join(parts, "; "))
	}
	if len(s.RemoteCalls) > 0 {
		fmt.Fprintf(&b, "\nCalls from the central system answered: %v.\n", s.RemoteCalls)
	}
	return b.String()
}

func scaled(d time.Duration, scale float64) time.Duration {
	if scale <= 0 {
		scale = 1
	}
	return time.Duration(float64(d) / scale).Round(time.Second / 10)
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
