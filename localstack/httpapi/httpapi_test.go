package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// capture is a fake handler that keeps the event and answers with resp.
type capture struct {
	got  events.APIGatewayV2HTTPRequest
	resp events.APIGatewayV2HTTPResponse
	err  error
}

func (c *capture) handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	c.got = req
	return c.resp, c.err
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRequestEvent(t *testing.T) {
	c := &capture{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200}}
	ts := httptest.NewServer(New(c.handle, Options{APIID: "api1", Logger: quietLogger()}))
	defer ts.Close()

	before := time.Now()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/charge-boxes/CB%201/commands?wait=5&x=1&x=2", strings.NewReader(`{"action":"Reset"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Set("User-Agent", "operator/1")
	req.Header.Set("Cookie", "a=1; b=2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ev := c.got
	rc := ev.RequestContext
	host := strings.TrimPrefix(ts.URL, "http://")
	checks := []struct {
		name      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "$default"},
		{"rawPath", ev.RawPath, "/charge-boxes/CB 1/commands"},
		{"rawQueryString", ev.RawQueryString, "wait=5&x=1&x=2"},
		{"query", ev.QueryStringParameters, map[string]string{"wait": "5", "x": "1,2"}},
		{"cookies", ev.Cookies, []string{"a=1", "b=2"}},
		{"authorization", ev.Headers["authorization"], "Bearer tok"},
		{"multi header", ev.Headers["x-multi"], "a,b"},
		{"content-type", ev.Headers["content-type"], "application/json"},
		{"host header", ev.Headers["host"], host},
		{"cookie header removed", ev.Headers["cookie"], ""},
		{"body", ev.Body, `{"action":"Reset"}`},
		{"base64", ev.IsBase64Encoded, false},
		{"pathParameters", ev.PathParameters, map[string]string(nil)},
		{"rc routeKey", rc.RouteKey, "$default"},
		{"accountId", rc.AccountID, "000000000000"},
		{"apiId", rc.APIID, "api1"},
		{"stage", rc.Stage, "$default"},
		{"domainName", rc.DomainName, host},
		{"domainPrefix", rc.DomainPrefix, "127"},
		{"method", rc.HTTP.Method, "POST"},
		{"path", rc.HTTP.Path, "/charge-boxes/CB 1/commands"},
		{"protocol", rc.HTTP.Protocol, "HTTP/1.1"},
		{"sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
		{"userAgent", rc.HTTP.UserAgent, "operator/1"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower-case", k)
		}
	}
	if rc.RequestID == "" || resp.Header.Get("Apigw-Requestid") != rc.RequestID {
		t.Errorf("requestId %q, response header %q", rc.RequestID, resp.Header.Get("Apigw-Requestid"))
	}
	if rc.TimeEpoch < before.UnixMilli() || rc.TimeEpoch > time.Now().UnixMilli() {
		t.Errorf("timeEpoch %d outside the request", rc.TimeEpoch)
	}
	if _, err := time.Parse(timeLayout, rc.Time); err != nil {
		t.Errorf("time %q: %v", rc.Time, err)
	}
}

func TestRequestBodyEncoding(t *testing.T) {
	tests := []struct {
		contentType string
		body        []byte
		wantBase64  bool
	}{
		{"application/json; charset=utf-8", []byte(`{"a":1}`), false},
		{"text/plain", []byte("hi"), false},
		{"application/problem+json", []byte(`{}`), false},
		{"application/octet-stream", []byte{0, 0xff, 1}, true},
		{"application/x-www-form-urlencoded", []byte("a=1"), true},
		{"", []byte("raw"), true},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			c := &capture{resp: events.APIGatewayV2HTTPResponse{StatusCode: 204}}
			h := New(c.handle, Options{Logger: quietLogger()})
			req := httptest.NewRequest(http.MethodPut, "/x", bytes.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if c.got.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("isBase64Encoded = %v, want %v", c.got.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(c.got.Body)
			if tt.wantBase64 {
				var err error
				if got, err = base64.StdEncoding.DecodeString(c.got.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body %q, want %q", got, tt.body)
			}
		})
	}
}

func TestResponse(t *testing.T) {
	tests := []struct {
		name        string
		resp        events.APIGatewayV2HTTPResponse
		err         error
		panics      bool
		wantStatus  int
		wantBody    string
		wantHeaders map[string][]string
	}{
		{
			name: "headers cookies body",
			resp: events.APIGatewayV2HTTPResponse{
				StatusCode:        201,
				Headers:           map[string]string{"Content-Type": "text/plain", "X-One": "1"},
				MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}},
				Cookies:           []string{"s=1; Path=/", "t=2"},
				Body:              "created",
			},
			wantStatus: 201, wantBody: "created",
			wantHeaders: map[string][]string{
				"Content-Type": {"text/plain"}, "X-One": {"1"}, "X-Many": {"a", "b"}, "Set-Cookie": {"s=1; Path=/", "t=2"},
			},
		},
		{
			name:       "base64 body",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte{1, 2, 3}), IsBase64Encoded: true, Headers: map[string]string{"Content-Type": "application/octet-stream"}},
			wantStatus: 200, wantBody: "\x01\x02\x03",
		},
		{
			name:       "default content type",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 202, Body: `{"commandId":"c1"}`},
			wantStatus: 202, wantBody: `{"commandId":"c1"}`,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}},
		},
		{
			name:       "handler error",
			err:        errors.New("boom"),
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
		},
		{
			name:       "handler panic",
			panics:     true,
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
		},
		{
			name:       "no status code",
			resp:       events.APIGatewayV2HTTPResponse{Body: "x"},
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
		},
		{
			name:       "bad base64",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "%%%", IsBase64Encoded: true},
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler := func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				if tt.panics {
					panic("nil map")
				}
				return tt.resp, tt.err
			}
			ts := httptest.NewServer(New(handler, Options{Logger: quietLogger()}))
			defer ts.Close()
			resp, err := http.Get(ts.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			for k, want := range tt.wantHeaders {
				if got := resp.Header.Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	called := false
	h := New(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		called = true
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}, Options{Logger: quietLogger()})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(make([]byte, maxBodyBytes+1))))
	if rec.Code != http.StatusRequestEntityTooLarge || called {
		t.Errorf("status %d, handler called %v; want 413 without a call", rec.Code, called)
	}
}
