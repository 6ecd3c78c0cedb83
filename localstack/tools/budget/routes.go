package budget

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/serverless-ocpp/csms/shared/api"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// RouteRow is the cost of one operator request: its route, the request sent and the status.
type RouteRow struct {
	Route  string `json:"route"`
	Target string `json:"target"`
	Status int    `json:"status"`
	Count
}

// operationBodies are valid bodies of the remote operations, so each request reaches the
// store instead of stopping at validation.
var operationBodies = map[string]string{
	"cancel-reservation":       `{"reservationId":1}`,
	"change-availability":      `{"connectorId":1,"type":"Inoperative"}`,
	"change-configuration":     `{"key":"HeartbeatInterval","value":"60"}`,
	"data-transfer":            `{"vendorId":"acme"}`,
	"get-composite-schedule":   `{"connectorId":1,"duration":60}`,
	"get-diagnostics":          `{"location":"ftp://logs.example.com/up"}`,
	"remote-start-transaction": `{"idTag":"TAG1","connectorId":1}`,
	"reserve-now":              `{"connectorId":1,"expiryDate":"2030-01-01T00:00:00Z","idTag":"TAG1","reservationId":1}`,
	"reset":                    `{"type":"Soft"}`,
	"send-local-list":          `{"listVersion":1,"updateType":"Full"}`,
	"set-charging-profile": `{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",` +
		`"chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}}`,
	"trigger-message":  `{"requestedMessage":"Heartbeat"}`,
	"unlock-connector": `{"connectorId":1}`,
	"update-firmware":  `{"location":"https://fw.example.com/4.2.bin","retrieveDate":"2026-12-01T02:00:00Z"}`,
	"start-session":    `{"idTag":"TAG1"}`,
	// The security extension's.
	"certificate-signed":            `{"certificateChain":` + quote(testCertificatePEM) + `}`,
	"install-certificate":           `{"certificateType":"CentralSystemRootCertificate","certificate":` + quote(testCertificatePEM) + `}`,
	"delete-certificate":            `{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"aa","issuerKeyHash":"bb","serialNumber":"1"}}`,
	"get-installed-certificate-ids": `{"certificateType":"CentralSystemRootCertificate"}`,
	"get-log":                       `{"logType":"SecurityLog","requestId":1,"log":{"remoteLocation":"https://logs.example.com/up"}}`,
	"signed-update-firmware": `{"requestId":1,"firmware":{"location":"https://fw.example.com/4.2.bin","retrieveDateTime":"2026-12-01T02:00:00Z",` +
		`"signingCertificate":` + quote(testCertificatePEM) + `,"signature":"c2ln"}}`,
	"extended-trigger-message": `{"requestedMessage":"Heartbeat"}`,
}

// testCertificatePEM is a self-signed certificate for the bodies that carry one, made once.
var testCertificatePEM = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "budget"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// routeQueries are the query strings each listing is also read with (every filter that picks
// another index or partition).
var routeQueries = map[string][]string{
	"/sessions":                   {"", "status=running", "status=finished", "chargeBoxId=CB1", "from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z", "limit=1"},
	"/charge-boxes":               {"", "unsecured=true", "limit=1"},
	"/connections":                {"", "limit=1"},
	"/anomalies":                  {"", "kind=orphan-stop", "chargeBoxId=CB1"},
	"/reservations":               {"", "chargeBoxId=CB1", "status=active"},
	"/id-tags":                    {"", "limit=1"},
	"/charge-boxes/{id}/sessions": {"", "status=running"},
	"/evses/{evseId}/sessions":    {"", "status=finished"},
	"/commands":                   {"", "from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z", "limit=1"},
	"/charge-boxes/{id}/commands": {"", "limit=1"},
}

// Routes sends every route of the operator API (api.Routes), each listing with each of its
// filters, to the API on a counting DynamoDB client, against a fleet of a few boxes with
// sessions, and returns the calls each request made. No answer from a box ever comes (the
// poster drops the CALLs), so the remote operations run their whole path up to the wait.
func Routes(ctx context.Context, cfg config.Config) ([]RouteRow, error) {
	_, st, counter, err := countingHandlers(ctx, cfg)
	if err != nil {
		return nil, err
	}
	tx, err := seedFleet(ctx, st)
	if err != nil {
		return nil, err
	}
	a := api.New(st, dropPoster{}, api.Options{CommandWait: 20 * time.Millisecond, CommandWaitMax: 50 * time.Millisecond,
		PollInterval: 10 * time.Millisecond, SlotMargin: time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var rows []RouteRow
	for i, rt := range api.Routes() {
		// A box of its own per route: a remote operation holds its box's call slot.
		box := "RT" + strconv.Itoa(i)
		if err := connectBox(ctx, st, box); err != nil {
			return nil, err
		}
		for _, q := range routeQueries[rt.Path] {
			row, err := sendRoute(ctx, a, counter, rt, box, tx, q)
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
		if len(routeQueries[rt.Path]) == 0 {
			row, err := sendRoute(ctx, a, counter, rt, box, tx, "")
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func sendRoute(ctx context.Context, a *api.API, counter *Counter, rt api.Route, box string, tx int, query string) (RouteRow, error) {
	path := strings.NewReplacer("{id}", box, "{evseId}", box+"*1", "{transactionId}", strconv.Itoa(tx),
		"{commandId}", "no-such-command", "{idTag}", "TAG1").Replace(rt.Path)
	body := ""
	switch {
	case rt.Action != "":
		body = operationBodies[path[strings.LastIndex(path, "/")+1:]]
		if strings.HasSuffix(path, "remote-stop-transaction") || strings.HasSuffix(path, "stop-session") {
			body = fmt.Sprintf(`{"transactionId":%d}`, tx)
		}
		if body == "" {
			body = "{}"
		}
	case strings.HasPrefix(rt.Path, "/id-tags/"):
		body = `{"status":"Accepted"}`
	case strings.HasSuffix(rt.Path, "/authorization-key"):
		body = `{}` // the central system generates the key
	case rt.Body != nil:
		body = `{"registrationStatus":"Accepted","unsecured":true}`
	}
	counter.Take()
	res, err := a.Handle(ctx, events.APIGatewayV2HTTPRequest{RawPath: path, RawQueryString: query, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: rt.Method}}})
	if err != nil {
		return RouteRow{}, fmt.Errorf("%s %s: %w", rt.Method, path, err)
	}
	target := path
	if query != "" {
		target += "?" + query
	}
	return RouteRow{Route: rt.Method + " " + rt.Path, Target: rt.Method + " " + target, Status: res.StatusCode, Count: counter.Take()}, nil
}

// seedFleet gives the listings something to read: a box CB1 with a finished and a running
// session, an id tag, a reservation, an anomaly. It returns the running session's id.
func seedFleet(ctx context.Context, st *store.Store) (int, error) {
	now := time.Now()
	if err := st.PutIDTag(ctx, store.IDTag{IDTag: "TAG1", Status: "Accepted"}); err != nil {
		return 0, err
	}
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "CB1", RegistrationStatus: "Accepted"}, now); err != nil {
		return 0, err
	}
	if err := connectBox(ctx, st, "CB1"); err != nil {
		return 0, err
	}
	done, err := st.StartSession(ctx, store.Session{ChargeBoxID: "CB1", ConnectorID: 2, IDTag: "TAG1", StartedAt: store.FormatTime(now.Add(-time.Hour))}, now)
	if err != nil {
		return 0, err
	}
	if _, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CB1", TransactionID: done, MeterStop: 5, StoppedAt: store.FormatTime(now)}, now); err != nil {
		return 0, err
	}
	if _, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CB1", TransactionID: 2000000000, MeterStop: 5, StoppedAt: store.FormatTime(now)}, now); err != nil {
		return 0, err
	}
	if err := st.PutReservation(ctx, store.Reservation{ChargeBoxID: "CB1", ReservationID: 7, ConnectorID: 1, IDTag: "TAG1", CreatedAt: store.FormatTime(now)}, now.Add(time.Hour)); err != nil {
		return 0, err
	}
	return st.StartSession(ctx, store.Session{ChargeBoxID: "CB1", ConnectorID: 1, IDTag: "TAG1", StartedAt: store.FormatTime(now)}, now)
}

// connectBox registers a box without a password and stores a live connection for it.
func connectBox(ctx context.Context, st *store.Store, box string) error {
	now := time.Now()
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: box, RegistrationStatus: "Accepted"}, now); err != nil {
		return err
	}
	return st.Connect(ctx, store.Connection{ChargeBoxID: box, ConnectionID: "conn-" + box, ConnectedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: box, ConnectionID: "conn-" + box, EventType: store.EventConnected, OccurredAt: now, Retention: time.Hour})
}

// dropPoster accepts every frame and delivers none, as a box that never answers.
type dropPoster struct{}

func (dropPoster) PostToConnection(context.Context, *apigatewaymanagementapi.PostToConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (dropPoster) DeleteConnection(context.Context, *apigatewaymanagementapi.DeleteConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}

// Scans lists the calls of rows that scan: "DynamoDB.Scan" in any row is a step whose cost
// follows the table, not what it reads.
func Scans(names []string, counts []Count) []string {
	var out []string
	for i, c := range counts {
		if n := c.Calls["DynamoDB.Scan"]; n > 0 {
			out = append(out, fmt.Sprintf("%s: %d Scan calls", names[i], n))
		}
	}
	return out
}
