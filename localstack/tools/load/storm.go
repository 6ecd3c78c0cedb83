package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// StormOptions configure a connect storm: Boxes charge boxes connect at the same instant, as
// after a regional blip, and retry with the simulator's jittered exponential backoff.
type StormOptions struct {
	Boxes      int
	Connectors int // per box [2]
	// IDPrefix names the boxes [STORM-].
	IDPrefix string
	// Config is the stack's configuration: DynamoDBEndpoint and a fresh TablePrefix are
	// required (the checks count what the tables hold).
	Config config.Config
	// StackBinary, StackLog: as in Options (a child process when set).
	StackBinary string
	StackLog    io.Writer
	// Deadline bounds the wait until every box is connected and booted [10m].
	Deadline time.Duration
	// ReconnectCap is the simulator's backoff cap [30s].
	ReconnectCap time.Duration
	Progress     io.Writer
	Logger       *slog.Logger
}

// StormReport is what a connect storm showed.
type StormReport struct {
	Boxes      int `json:"boxes"`
	Connectors int `json:"connectorsPerBox"`
	Connected  int `json:"connected"`
	Booted     int `json:"booted"`
	// To99 and To100 are the times from the storm's start until 99 % and 100 % of the boxes
	// had their BootNotification accepted (0 when not reached).
	To99  time.Duration `json:"to99"`
	To100 time.Duration `json:"to100"`
	// Throttled counts connection attempts refused with 429 (the new-connection quota, and
	// the local gateway's bound on handshakes in progress); FailedAttempts those that failed
	// otherwise. Both were retried after the backoff.
	Throttled      int `json:"throttledConnectionAttempts"`
	FailedAttempts int `json:"failedConnectionAttempts"`
	// CallsSent, CallsAccepted and CallsRefused are the CALLs the boxes sent over the whole
	// run and those answered with a CALLRESULT and with a CALLERROR; CallsLogged the CALLs from
	// these boxes the frame log holds. A CALL answered with a CALLRESULT must be in the log:
	// Lost = accepted - logged. (A CALLERROR told the box; it may or may not be logged.)
	CallsSent     int64 `json:"callsSent"`
	CallsAccepted int64 `json:"callsAccepted"`
	CallsRefused  int64 `json:"callsRefused"`
	CallsLogged   int64 `json:"callsLogged"`
	// Summary is what GET /summary answered once the storm was over.
	Summary OperatorSummary `json:"summary"`
	// Errors seen by the boxes (unexpected CALLERRORs, timeouts...).
	Errors  int64          `json:"errors"`
	Events  map[string]int `json:"events"`
	Usage   []Usage        `json:"usage"`
	Elapsed time.Duration  `json:"elapsed"`
	// Processes are the stack's (and DynamoDB Local's) open files and threads with every box
	// connected, by process.
	Processes    map[string]ProcessFiles `json:"processes"`
	ReconnectCap time.Duration           `json:"reconnectCap"`
}

// OperatorSummary is the body of GET /summary.
type OperatorSummary struct {
	ConnectedChargeBoxes int            `json:"connectedChargeBoxes"`
	ConnectorsByStatus   map[string]int `json:"connectorsByStatus"`
	RunningSessions      int            `json:"runningSessions"`
}

// Lost is the number of CALLs answered with a CALLRESULT that the frame log does not hold.
func (r *StormReport) Lost() int64 { return max(0, r.CallsAccepted-r.CallsLogged) }

// wantSummary is what /summary must say after the storm: every box online, every connector
// Available (the boxes start no sessions), nothing running.
func (r *StormReport) wantSummary() OperatorSummary {
	return OperatorSummary{ConnectedChargeBoxes: r.Boxes, ConnectorsByStatus: map[string]int{string(ocpp.ChargePointStatusAvailable): r.Boxes * r.Connectors}}
}

func (r *StormReport) summaryOK() bool {
	w := r.wantSummary()
	return r.Summary.ConnectedChargeBoxes == w.ConnectedChargeBoxes && r.Summary.RunningSessions == 0 &&
		maps.Equal(r.Summary.ConnectorsByStatus, w.ConnectorsByStatus)
}

// Err tells what the storm got wrong.
func (r *StormReport) Err() error {
	var errs []error
	if r.Booted < r.Boxes || r.Connected < r.Boxes {
		errs = append(errs, fmt.Errorf("%d of %d boxes booted, %d connected", r.Booted, r.Boxes, r.Connected))
	}
	if r.Lost() > 0 {
		errs = append(errs, fmt.Errorf("frames: %d CALLs sent, %d accepted, %d in the frame log (%d lost)", r.CallsSent, r.CallsAccepted, r.CallsLogged, r.Lost()))
	}
	if !r.summaryOK() {
		errs = append(errs, fmt.Errorf("/summary says %+v, want %+v", r.Summary, r.wantSummary()))
	}
	// A connection attempt that failed (not throttled) was retried like the others; what
	// counts is that the box got in, checked above. Any other error is the system's fault.
	if n := r.Errors - int64(r.FailedAttempts); n > 0 {
		errs = append(errs, fmt.Errorf("%d errors seen by the boxes besides failed connection attempts (%v)", n, r.Events))
	}
	return errors.Join(errs...)
}

// Storm starts the stack, connects every box at once, waits until all are connected and booted
// (or the deadline), then compares the frame log and /summary with what the boxes did, and
// disconnects them.
func Storm(ctx context.Context, o StormOptions) (*StormReport, error) {
	if o.Config.DynamoDBEndpoint == "" {
		return nil, errors.New("storm: DynamoDB endpoint required")
	}
	o = o.withDefaults()
	t, err := startTarget(ctx, Options{Config: o.Config, StackBinary: o.StackBinary, StackLog: o.StackLog, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	defer func() { _ = t.stop() }()

	mon := &simulator.Monitor{}
	sim := simulator.Defaults()
	sim.URL, sim.Boxes, sim.Connectors, sim.IDPrefix = t.url, o.Boxes, o.Connectors, o.IDPrefix
	sim.RampUp, sim.Duration, sim.Manual, sim.Monitor = 0, 0, true, mon
	sim.ReconnectCap, sim.Progress, sim.Logger = o.ReconnectCap, o.Progress, o.Logger
	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	type result struct {
		sum *simulator.Summary
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		sum, err := simulator.Run(simCtx, sim)
		done <- result{sum, err}
	}()

	r := &StormReport{Boxes: o.Boxes, Connectors: o.Connectors, ReconnectCap: o.ReconnectCap, Processes: map[string]ProcessFiles{}}
	waitUntil(ctx, start.Add(o.Deadline), func() bool { return mon.Booted() >= o.Boxes && mon.Connected() >= o.Boxes })
	r.Booted, r.Connected = mon.Booted(), mon.Connected()
	for _, u := range t.measure() {
		r.Processes[u.Process] = processFiles(u.PID)
	}
	r.To99, _ = mon.TimeToBoot(o.Boxes, 0.99)
	r.To100, _ = mon.TimeToBoot(o.Boxes, 1)
	// The last StatusNotifications may still be on their way.
	waitUntil(ctx, time.Now().Add(time.Minute), func() bool { s, a := mon.Calls(); return s == a })
	// The operator view while every box is connected; then the boxes go, and the frame log is
	// counted on a quiet stack (a full read of the table beside 5,000 heartbeating boxes would
	// starve DynamoDB Local).
	if err := r.checkSummary(ctx, o, t); err != nil {
		return r, err
	}
	r.Usage = t.measure()
	stopSim()
	res := <-done
	if res.err != nil {
		return r, res.err
	}
	for _, a := range res.sum.Actions {
		r.CallsSent += int64(a.Sent)
		r.CallsAccepted += int64(a.Results)
		r.CallsRefused += int64(a.Errors)
	}
	if err := r.countLog(ctx, o); err != nil {
		return r, err
	}
	r.Errors, r.Events, r.Elapsed = res.sum.Errors, res.sum.Events, time.Since(start)
	r.FailedAttempts = res.sum.Events[simulator.FailedConnectEvent]
	r.Throttled = res.sum.Events[simulator.ThrottledEvent]
	return r, nil
}

func (o StormOptions) withDefaults() StormOptions {
	if o.Connectors <= 0 {
		o.Connectors = 2
	}
	if o.IDPrefix == "" {
		o.IDPrefix = "STORM-"
	}
	if o.Deadline <= 0 {
		o.Deadline = 10 * time.Minute
	}
	if o.ReconnectCap <= 0 {
		o.ReconnectCap = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Config.APIToken == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		o.Config.APIToken = hex.EncodeToString(b)
	}
	return o
}

// checkSummary reads /summary until it agrees with the boxes (the aggregates behind it may
// lag the writes a little) or a minute has passed, every 2 s: a read may be costly.
func (r *StormReport) checkSummary(ctx context.Context, o StormOptions, t target) error {
	var lastErr error
	deadline := time.Now().Add(time.Minute)
	for ctx.Err() == nil {
		r.Summary, lastErr = getSummary(ctx, t.httpURL, o.Config.APIToken)
		if (lastErr == nil && r.summaryOK()) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second): // polling: nothing to block on
		}
	}
	return lastErr
}

// countLog counts the boxes' CALLs in the frame log.
func (r *StormReport) countLog(ctx context.Context, o StormOptions) error {
	awsCfg, err := o.Config.AWS(ctx)
	if err != nil {
		return err
	}
	db := store.NewClient(awsCfg, o.Config.DynamoDBEndpoint)
	r.CallsLogged, err = countLoggedCalls(ctx, db, tables.Messages.FullName(o.Config.TablePrefix))
	return err
}

// countLoggedCalls counts the CALLs from boxes that the frame log holds. It reads the whole
// table, which is fresh for the storm: a check after the run, never a path of the system.
func countLoggedCalls(ctx context.Context, db *dynamodb.Client, table string) (int64, error) {
	var n int64
	in := &dynamodb.ScanInput{TableName: aws.String(table), ProjectionExpression: aws.String("frames")}
	for {
		out, err := db.Scan(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("count the frame log: %w", err)
		}
		var rows []store.LogRow
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &rows); err != nil {
			return 0, fmt.Errorf("decode the frame log: %w", err)
		}
		for _, row := range rows {
			for _, f := range row.Frames {
				if f.Direction == store.FromBox && f.MessageType == int(ocpp.TypeCall) {
					n++
				}
			}
		}
		if out.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func getSummary(ctx context.Context, base, token string) (OperatorSummary, error) {
	var s OperatorSummary
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/summary", nil)
	if err != nil {
		return s, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, fmt.Errorf("GET /summary: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return s, fmt.Errorf("GET /summary: %s: %s", resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return s, fmt.Errorf("decode /summary: %w", err)
	}
	return s, nil
}

// waitUntil polls cond every 100 ms until it holds, the deadline passes or ctx ends.
func waitUntil(ctx context.Context, deadline time.Time, cond func() bool) {
	for !cond() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond): // polling: the stack has nothing to block on
		}
	}
}
