package load

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Usage is the CPU and memory one process used over the load.
type Usage struct {
	Process string `json:"process"`
	PID     int    `json:"pid"`
	// CPU is user+system time over the measured interval; CPUShare is CPU divided by the
	// interval (1.0 = one core busy all the time).
	CPU      time.Duration `json:"cpu"`
	CPUShare float64       `json:"cpuShare"`
	// PeakRSS is the high-water mark of resident memory (VmHWM; ru_maxrss in process).
	PeakRSS int64 `json:"peakRssBytes"`
	RSS     int64 `json:"rssBytes"`
}

// procSample is one reading of /proc/<pid>.
type procSample struct {
	at       time.Time
	cpu      time.Duration
	rss, hwm int64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux architecture Go runs on.
const clockTicks = 100

// readProc reads the CPU times and memory of pid.
func readProc(pid int) (procSample, error) {
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of the full line
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	s.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	status, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.rss = kb * 1024
		case "VmHWM":
			s.hwm = kb * 1024
		}
	}
	return s, sc.Err()
}

// usageBetween turns two samples of one process into Usage.
func usageBetween(name string, pid int, a, b procSample) Usage {
	u := Usage{Process: name, PID: pid, CPU: b.cpu - a.cpu, PeakRSS: b.hwm, RSS: b.rss}
	if d := b.at.Sub(a.at); d > 0 {
		u.CPUShare = float64(u.CPU) / float64(d)
	}
	return u
}

// selfUsage is the getrusage figure of this process (in-process stack: stack and simulator).
func selfUsage() (time.Duration, int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, ru.Maxrss * 1024 // ru_maxrss is in KiB on Linux
}

// pidListening finds the process listening on a local TCP port (DynamoDB Local's JVM), by
// matching the socket inode of /proc/net/tcp{,6} with the processes' open files. 0 when none
// is visible.
func pidListening(port int) int {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[3] != "0A" { // 0A = LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(fs[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, dir := range procs {
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && inodes[target] {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
				return pid
			}
		}
	}
	return 0
}
