package budget

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/gateway"
)

// sampleCPO is the organizationName of the SignCertificate sample's CSR (the local stack's
// default CPO_NAME).
const sampleCPO = "Local CPO"

// withCertificates gives the handlers a CA (a fresh file) and a Management API whose calls the
// counter counts (a stand-in answering every post), so SignCertificate and the CertificateSigned
// it sends are measured. done removes both.
func withCertificates(h *gateway.Handlers, cfg config.Config, counter *Counter) (done func(), err error) {
	dir, err := os.MkdirTemp("", "budget-ca-")
	if err != nil {
		return nil, fmt.Errorf("CA folder: %w", err)
	}
	cfg.Security.CAFile, cfg.Security.CPOName = filepath.Join(dir, "ca.pem"), sampleCPO
	if _, err := certs.EnsureFile(cfg.Security.CAFile, sampleCPO, time.Now()); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	mgmt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	cfg.ManagementEndpoint = mgmt.URL
	awsCfg, err := cfg.AWS(context.Background())
	if err != nil {
		mgmt.Close()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	counter.Attach(&awsCfg.APIOptions)
	h.WithAWS(cfg, awsCfg)
	return func() { mgmt.Close(); _ = os.RemoveAll(dir) }, nil
}
