package ocpp_test

import (
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func TestRedact(t *testing.T) {
	const key = "s3cr3t-key-0123456789abcdef"
	for _, tt := range []struct{ name, in, want string }{
		{"ChangeConfiguration", `[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"` + key + `"}]`,
			`[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"[redacted]"}]`},
		{"key in another case", `[2,"1","ChangeConfiguration",{"key":"authorizationkey","value":"` + key + `"}]`,
			`[2,"1","ChangeConfiguration",{"key":"authorizationkey","value":"[redacted]"}]`},
		{"GetConfiguration.conf", `[3,"1",{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"},{"key":"AuthorizationKey","readonly":false,"value":"` + key + `"}]}]`,
			`[3,"1",{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"},{"key":"AuthorizationKey","readonly":false,"value":"[redacted]"}]}]`},
		{"asked for, not carried", `[2,"1","GetConfiguration",{"key":["AuthorizationKey"]}]`, `[2,"1","GetConfiguration",{"key":["AuthorizationKey"]}]`},
		{"other frames untouched", `[2,"1","Heartbeat",{}]`, `[2,"1","Heartbeat",{}]`},
		{"numbers and html kept", `[2,"1","DataTransfer",{"vendorId":"<a&b>","data":"AuthorizationKey 1.50"}]`, `[2,"1","DataTransfer",{"vendorId":"<a&b>","data":"AuthorizationKey 1.50"}]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ocpp.RedactString(tt.in); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	broken := `[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"` + key + `"`
	if got := ocpp.RedactString(broken); strings.Contains(got, key) {
		t.Errorf("a malformed frame kept the key: %s", got)
	}
}
