package config

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaultsAndOverrides(t *testing.T) {
	for _, k := range []string{"TABLE_PREFIX", "HEARTBEAT_INTERVAL", "AUTO_REGISTER", "KNOWN_VENDOR_IDS", "MESSAGE_RETENTION", "COMMAND_WAIT", "COMMAND_WAIT_MAX", "CLOCK_SKEW"} {
		t.Setenv(k, "")
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.TablePrefix != "ocpp-" || c.HeartbeatInterval != 300*time.Second || c.AutoRegister || c.CommandWait != 10*time.Second || c.MessageRetention != 720*time.Hour || c.ClockSkew != 5*time.Minute {
		t.Fatalf("defaults %+v", c)
	}
	t.Setenv("HEARTBEAT_INTERVAL", "5m")
	t.Setenv("AUTO_REGISTER", "true")
	t.Setenv("KNOWN_VENDOR_IDS", " com.a , ,com.b")
	t.Setenv("MESSAGE_RETENTION", "3600")
	t.Setenv("CLOCK_SKEW", "30")
	c, err = Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.HeartbeatInterval != 5*time.Minute || !c.AutoRegister || strings.Join(c.KnownVendorIDs, "|") != "com.a|com.b" || c.MessageRetention != time.Hour || c.ClockSkew != 30*time.Second {
		t.Fatalf("overrides %+v", c)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	cases := map[string][2]string{
		"bool":          {"AUTO_REGISTER", "yes please"},
		"duration":      {"HEARTBEAT_INTERVAL", "soon"},
		"too short":     {"HEARTBEAT_INTERVAL", "0"},
		"wait too long": {"COMMAND_WAIT_MAX", "30"},
		"skew":          {"CLOCK_SKEW", "-1m"},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(kv[0], kv[1])
			if _, err := Load(); err == nil || !strings.Contains(err.Error(), kv[0]) {
				t.Fatalf("Load with %s=%q: %v", kv[0], kv[1], err)
			}
		})
	}
}

func TestReader(t *testing.T) {
	vals := map[string]string{"d": " 90 ", "d2": "1h30m", "b": "true", "i": "-3", "f": "2.5", "l": "a, ,b", "s": " x "}
	r := Reader{Get: func(k string) string { return vals[k] }}
	if got := r.Duration("d", 0); got != 90*time.Second {
		t.Errorf("Duration(d) = %s", got)
	}
	if got := r.Duration("d2", 0); got != 90*time.Minute {
		t.Errorf("Duration(d2) = %s", got)
	}
	if got := r.Duration("unset", time.Minute); got != time.Minute {
		t.Errorf("Duration(unset) = %s, want the default", got)
	}
	if !r.Bool("b", false) || r.Int("i", 0) != -3 || r.Float("f", 0) != 2.5 || strings.Join(r.List("l"), "|") != "a|b" || r.String("s", "") != "x" {
		t.Errorf("Bool %v Int %d Float %g List %q String %q", r.Bool("b", false), r.Int("i", 0), r.Float("f", 0), r.List("l"), r.String("s", ""))
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err() = %v after good values", err)
	}

	bad := map[string]string{"d": "soon", "neg": "-5s", "b": "yes please", "i": "many", "f": "fast"}
	r = Reader{Get: func(k string) string { return bad[k] }}
	r.Duration("d", 0)
	r.Duration("neg", 0)
	r.Bool("b", false)
	r.Int("i", 0)
	r.Float("f", 0)
	err := r.Err()
	for name := range bad {
		if err == nil || !strings.Contains(err.Error(), name+"=") {
			t.Errorf("Err() = %v, want every bad value named, %s among them", err, name)
		}
	}
}

func TestQueueBindings(t *testing.T) {
	vals := map[string]string{
		"q":   " frames:ocpp:ocpp.msgs, ,events : ocpp : ocpp.connection-events,frames:ocpp:ocpp.connection-events",
		"bad": "frames:ocpp,::,a:b:c:d,ok:ocpp:ocpp.msgs,x::k",
	}
	r := Reader{Get: func(k string) string { return vals[k] }}
	got := r.QueueBindings("q")
	want := []QueueBinding{
		{"frames", "ocpp", "ocpp.msgs"},
		{"events", "ocpp", "ocpp.connection-events"},
		{"frames", "ocpp", "ocpp.connection-events"}, // one queue, two bindings
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("QueueBindings = %+v, want %+v", got, want)
	}
	if got := r.QueueBindings("unset"); got != nil || r.Err() != nil {
		t.Errorf("QueueBindings(unset) = %+v, %v", got, r.Err())
	}
	got = r.QueueBindings("bad")
	if !reflect.DeepEqual(got, []QueueBinding{{"ok", "ocpp", "ocpp.msgs"}}) {
		t.Errorf("QueueBindings(bad) kept %+v", got)
	}
	err := r.Err()
	for _, item := range []string{`"frames:ocpp"`, `"::"`, `"a:b:c:d"`, `"x::k"`} {
		if err == nil || !strings.Contains(err.Error(), "bad="+item) {
			t.Errorf("Err() = %v, want %s named", err, item)
		}
	}

	t.Setenv("CONSUMER_QUEUES", "sessions:sessions:sessions.raw")
	t.Setenv("CONSUMER_QUEUE_TYPE", "")
	c, err := Load()
	if err != nil || !reflect.DeepEqual(c.ConsumerQueues, []QueueBinding{{"sessions", "sessions", "sessions.raw"}}) || c.ConsumerQueueType != QueueTypeQuorum {
		t.Errorf("Load: %+v %q, %v", c.ConsumerQueues, c.ConsumerQueueType, err)
	}
	t.Setenv("CONSUMER_QUEUES", "sessions:sessions")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "CONSUMER_QUEUES") {
		t.Errorf("Load with a malformed CONSUMER_QUEUES: %v", err)
	}
}

func TestValidate(t *testing.T) {
	good, err := Read(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*Config){
		"HEARTBEAT_INTERVAL":  func(c *Config) { c.HeartbeatInterval = time.Millisecond },
		"COMMAND_WAIT_MAX":    func(c *Config) { c.CommandWaitMax = 26 * time.Second },
		"COMMAND_WAIT":        func(c *Config) { c.CommandWait, c.CommandWaitMax = 20*time.Second, 15*time.Second },
		"MESSAGE_RETENTION":   func(c *Config) { c.MessageRetention = 0 },
		"CONNECTION_TTL":      func(c *Config) { c.ConnectionTTL = 0 },
		"COMMAND_TTL":         func(c *Config) { c.CommandTTL = 0 },
		"CONSUMER_QUEUE_TYPE": func(c *Config) { c.ConsumerQueueType = "stream" },
	}
	for variable, change := range cases {
		c := good
		change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "("+variable+")") {
			t.Errorf("Validate with a bad %s: %v", variable, err)
		}
	}
}

func TestLogLevel(t *testing.T) {
	for v, want := range map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, "WARN": slog.LevelWarn, " error ": slog.LevelError} {
		if got, err := LogLevel(v); err != nil || got != want {
			t.Errorf("LogLevel(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := LogLevel("verbose"); err == nil {
		t.Error("LogLevel(verbose) accepted")
	}
}

// On AWS the credentials are the execution role's, from the environment; with a local endpoint
// they are dummies, whatever the environment holds.
func TestAWSCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDROLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	for _, c := range []struct {
		cfg        Config
		key, token string
	}{
		{Config{Region: "eu-west-1"}, "AKIDROLE", "token"},
		{Config{Region: "eu-west-1", DynamoDBEndpoint: "http://127.0.0.1:8000"}, "local", ""},
	} {
		aws, err := c.cfg.AWS(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		creds, err := aws.Credentials.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != c.key || creds.SessionToken != c.token || aws.Region != "eu-west-1" {
			t.Errorf("AWS() for %+v: region %s, credentials %+v (%v); want key %s", c.cfg, aws.Region, creds, err, c.key)
		}
	}
}
