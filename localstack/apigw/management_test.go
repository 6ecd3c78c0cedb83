package apigw

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/gorilla/websocket"
)

// managementClient is the real SDK client pointed at the local gateway with dummy credentials.
func managementClient(endpoint string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		// No retries: a Gone must surface at once, as the handlers expect.
		RetryMaxAttempts: 1,
	})
}

func TestManagementAPIWithSDK(t *testing.T) {
	for _, prefix := range []string{"", "/local"} {
		t.Run("endpoint path "+prefix, func(t *testing.T) {
			rec := &recorder{}
			srv, ts := startServer(t, rec.handlers(), Options{MaxMessageBytes: 4096})
			client := managementClient(ts.URL + prefix)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			before := time.Now().Add(-time.Second)
			d := websocket.Dialer{}
			ws, _, err := d.Dial(wsURL(ts, "/ocpp/CB1"), map[string][]string{"User-Agent": {"box/2.0"}})
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			id := rec.lastConnect(t).RequestContext.ConnectionID

			payload := []byte(`[2,"42","Reset",{"type":"Soft"}]`)
			if _, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: payload}); err != nil {
				t.Fatalf("PostToConnection: %v", err)
			}
			kind, got, err := ws.ReadMessage()
			if err != nil || kind != websocket.TextMessage || !bytes.Equal(got, payload) {
				t.Fatalf("client read %d %q %v, want text %q", kind, got, err, payload)
			}

			info, err := client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
			if err != nil {
				t.Fatalf("GetConnection: %v", err)
			}
			if info.ConnectedAt == nil || info.ConnectedAt.Before(before) || info.ConnectedAt.After(time.Now()) {
				t.Errorf("ConnectedAt = %v", info.ConnectedAt)
			}
			if info.LastActiveAt == nil || info.LastActiveAt.Before(*info.ConnectedAt) {
				t.Errorf("LastActiveAt = %v, want at or after ConnectedAt", info.LastActiveAt)
			}
			if info.Identity == nil || aws.ToString(info.Identity.SourceIp) != "127.0.0.1" || aws.ToString(info.Identity.UserAgent) != "box/2.0" {
				t.Errorf("Identity = %+v", info.Identity)
			}

			_, err = client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: make([]byte, 4097)})
			var tooLarge *types.PayloadTooLargeException
			if !errors.As(err, &tooLarge) {
				t.Errorf("oversize post: %v, want PayloadTooLargeException", err)
			}

			if _, err := client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
				t.Fatalf("DeleteConnection: %v", err)
			}
			if ce := readClose(t, ws); ce.Code != websocket.CloseNormalClosure {
				t.Errorf("close code after DeleteConnection %d, want 1000", ce.Code)
			}
			eventually(t, "$disconnect", func() bool { _, _, n := rec.counts(); return n == 1 })

			var gone *types.GoneException
			_, err = client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: payload})
			if !errors.As(err, &gone) {
				t.Errorf("post after delete: %v, want GoneException", err)
			}
			_, err = client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("bm8tc3VjaC1jb25u")})
			if !errors.As(err, &gone) {
				t.Errorf("get unknown: %v, want GoneException", err)
			}
			_, err = client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
			if !errors.As(err, &gone) {
				t.Errorf("delete after delete: %v, want GoneException", err)
			}
			if srv.Connections() != 0 {
				t.Errorf("%d connections left", srv.Connections())
			}
		})
	}
}
