package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/store"
)

// authorizerKeyGrace: a box connecting with its rotated key ends the previous key's grace.
func (g *grantsRun) authorizerKeyGrace(h *gateway.Handlers) {
	t, ctx := g.t, g.ctx
	oldHash, err1 := auth.HashPassword("old-key-0123456789")
	newHash, err2 := auth.HashPassword("new-key-0123456789")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := g.admin.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "ROT1", RegistrationStatus: "Accepted", PasswordHash: oldHash}, g.now); err != nil {
		t.Fatal(err)
	}
	if err := g.admin.RotatePassword(ctx, "ROT1", newHash, g.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ROT1:new-key-0123456789"))
	if _, err := h.Authorize(ctx, events.APIGatewayCustomAuthorizerRequestTypeRequest{MethodArn: "arn", QueryStringParameters: map[string]string{"chargeBoxId": "ROT1"},
		Headers: map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6", "Authorization": basic}}); err != nil {
		t.Fatal(err)
	}
}

// signCertificate: an accepted CSR is signed and recorded, and CertificateSigned goes out as a
// pending command (the Management API is a stand-in answering every post).
func (g *grantsRun) signCertificate(h *gateway.Handlers, send func(string)) {
	t := g.t
	mgmt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(mgmt.Close)
	cfg := g.cfg
	cfg.ManagementEndpoint = mgmt.URL
	cfg.Security.CPOName, cfg.Security.CAFile = "CPO", filepath.Join(t.TempDir(), "ca.pem")
	if _, err := certs.EnsureFile(cfg.Security.CAFile, "CPO", time.Now()); err != nil {
		t.Fatal(err)
	}
	awsCfg, err := cfg.AWS(g.ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.WithAWS(cfg, awsCfg)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP1", Organization: []string{"CPO"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	frame, _ := json.Marshal([]any{2, "m13", "SignCertificate", map[string]string{"csr": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))}})
	send(string(frame))
}
