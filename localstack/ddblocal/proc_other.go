//go:build !unix

package ddblocal

import (
	"errors"
	"os"
	"os/exec"
)

// setProcessGroup is a no-op where process groups do not exist.
func setProcessGroup(*exec.Cmd) {}

// signalGroup kills the process itself; there is no gentler portable signal.
func signalGroup(cmd *exec.Cmd, _ bool) error {
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}
