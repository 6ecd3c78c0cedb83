package simulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func rootPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "Sim Root"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestCertificateStore(t *testing.T) {
	b := testBox(t)
	use := ocpp.CertificateUseCentralSystemRootCertificate
	if got := b.getInstalledCertificateIds(&ocpp.GetInstalledCertificateIdsRequest{CertificateType: use}); got.Status != ocpp.GetInstalledCertificateStatusNotFound {
		t.Fatalf("empty store: %+v", got)
	}
	if got := b.installCertificate(&ocpp.InstallCertificateRequest{CertificateType: use, Certificate: "garbage"}); got.Status != ocpp.InstallCertificateStatusRejected {
		t.Errorf("garbage installed: %+v", got)
	}
	if got := b.installCertificate(&ocpp.InstallCertificateRequest{CertificateType: use, Certificate: rootPEM(t)}); got.Status != ocpp.InstallCertificateStatusAccepted {
		t.Fatalf("install: %+v", got)
	}
	list := b.getInstalledCertificateIds(&ocpp.GetInstalledCertificateIdsRequest{CertificateType: use})
	if list.Status != ocpp.GetInstalledCertificateStatusAccepted || len(list.CertificateHashData) != 1 || list.CertificateHashData[0].SerialNumber != "4d" {
		t.Fatalf("list: %+v", list)
	}
	if got := b.getInstalledCertificateIds(&ocpp.GetInstalledCertificateIdsRequest{CertificateType: ocpp.CertificateUseManufacturerRootCertificate}); got.Status != ocpp.GetInstalledCertificateStatusNotFound {
		t.Errorf("other type: %+v", got)
	}
	h := list.CertificateHashData[0]
	if got := b.deleteCertificate(&ocpp.DeleteCertificateRequest{CertificateHashData: h}); got.Status != ocpp.DeleteCertificateStatusAccepted {
		t.Errorf("delete: %+v", got)
	}
	if got := b.deleteCertificate(&ocpp.DeleteCertificateRequest{CertificateHashData: h}); got.Status != ocpp.DeleteCertificateStatusNotFound {
		t.Errorf("delete twice: %+v", got)
	}
}

func TestLogAndSignedFirmwareReportProgress(t *testing.T) {
	b := testBox(t)
	if got := b.getLog(&ocpp.GetLogRequest{LogType: ocpp.LogTypeSecurityLog, RequestID: 5, Log: ocpp.LogParameters{RemoteLocation: "ftp://x/"}}); got.Status != ocpp.LogStatusAccepted || len(b.todo) != 2 {
		t.Errorf("get log: %+v, %d follow-ups", got, len(b.todo))
	}
	b.todo = nil
	fw := ocpp.Firmware{Location: "https://fw/1.bin", SigningCertificate: rootPEM(t), Signature: "c2ln"}
	if got := b.signedUpdateFirmware(&ocpp.SignedUpdateFirmwareRequest{RequestID: 6, Firmware: fw}); got.Status != ocpp.UpdateFirmwareStatusAccepted || len(b.todo) != 5 {
		t.Errorf("signed update: %+v, %d follow-ups", got, len(b.todo))
	}
	fw.SigningCertificate = "none"
	if got := b.signedUpdateFirmware(&ocpp.SignedUpdateFirmwareRequest{RequestID: 7, Firmware: fw}); got.Status != ocpp.UpdateFirmwareStatusInvalidCertificate {
		t.Errorf("bad signing certificate: %+v", got)
	}
}
