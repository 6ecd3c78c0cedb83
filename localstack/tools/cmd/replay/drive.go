package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/serverless-ocpp/csms/shared/replay"
)

// invoker sends one replay event to the publisher and returns its answer.
type invoker func(ctx context.Context, event []byte) ([]byte, error)

// maxSteps stops a replay whose tokens never end (a publisher answering the same token).
const maxSteps = 1_000_000

// drive sends req, then the same request with each continuation token the publisher answers,
// until it answers none. It returns the sums of the steps and how many it sent; on an error
// the message names the token to resume from.
func drive(ctx context.Context, step invoker, req replay.Request) (replay.Result, int, error) {
	var total replay.Result
	for n := 1; n <= maxSteps; n++ {
		event, err := json.Marshal(map[string]replay.Request{"replay": req})
		if err != nil {
			return total, n - 1, fmt.Errorf("replay event: %w", err)
		}
		out, err := step(ctx, event)
		if err != nil {
			return total, n - 1, fmt.Errorf("step %d (resume with -next %q): %w", n, req.Next, err)
		}
		var res replay.Result
		if err := json.Unmarshal(out, &res); err != nil {
			return total, n, fmt.Errorf("step %d answered %s: %w", n, out, err)
		}
		total.Read += res.Read
		total.Replayed += res.Replayed
		if res.Next == "" {
			return total, n, nil
		}
		if res.Next == req.Next {
			return total, n, fmt.Errorf("step %d answered the token it was given", n)
		}
		req.Next = res.Next
	}
	return total, maxSteps, fmt.Errorf("no end after %d steps", maxSteps)
}

// publisherFunction reads the publisher's function name from the stack's outputs.
func publisherFunction(ctx context.Context, stack string) (string, error) {
	out, err := exec.CommandContext(ctx, "aws", "cloudformation", "describe-stacks", "--stack-name", stack,
		"--query", "Stacks[0].Outputs[?OutputKey=='PublisherFunctionName'].OutputValue", "--output", "text").Output()
	if err != nil {
		return "", fmt.Errorf("aws cloudformation describe-stacks %s: %w%s", stack, err, stderr(err))
	}
	name := strings.TrimSpace(string(out))
	if name == "" || name == "None" {
		return "", fmt.Errorf("stack %s has no output PublisherFunctionName (deploy the current version)", stack)
	}
	return name, nil
}

// awsInvoker invokes the deployed function with `aws lambda invoke`; a function error (the
// CLI exits 0 and prints FunctionError) is an error carrying the function's message.
func awsInvoker(function string) invoker {
	return func(ctx context.Context, event []byte) ([]byte, error) {
		dir, err := os.MkdirTemp("", "replay-")
		if err != nil {
			return nil, fmt.Errorf("answer file: %w", err)
		}
		defer func() { _ = os.RemoveAll(dir) }()
		answer := filepath.Join(dir, "answer.json")
		meta, err := exec.CommandContext(ctx, "aws", "lambda", "invoke", "--function-name", function,
			"--cli-binary-format", "raw-in-base64-out", "--payload", string(event), "--output", "json", answer).Output()
		if err != nil {
			return nil, fmt.Errorf("aws lambda invoke %s: %w%s", function, err, stderr(err))
		}
		body, err := os.ReadFile(answer)
		if err != nil {
			return nil, fmt.Errorf("answer of %s: %w", function, err)
		}
		var status struct{ FunctionError string }
		if err := json.Unmarshal(meta, &status); err != nil {
			return nil, fmt.Errorf("aws lambda invoke printed %s: %w", meta, err)
		}
		if status.FunctionError != "" {
			return nil, fmt.Errorf("%s (%s): %s", function, status.FunctionError, bytes.TrimSpace(body))
		}
		return body, nil
	}
}

func stderr(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(exit.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(exit.Stderr))
	}
	return ""
}
