//go:build unix

package ddblocal

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the JVM in its own process group, so stopping it reaches every process
// it started and a Ctrl-C in the terminal is handled by the parent alone.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends SIGTERM, or SIGKILL when kill is set, to the process group.
func signalGroup(cmd *exec.Cmd, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	err := syscall.Kill(-cmd.Process.Pid, sig)
	if err == syscall.ESRCH {
		return nil // already gone
	}
	return err
}
