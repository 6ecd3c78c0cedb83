package config

import (
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
