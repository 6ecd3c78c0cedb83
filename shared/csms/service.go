// Package csms is the central system's behaviour for frames from charge boxes: it reads an
// OCPP-J frame, runs the action's handler, stores what it learned and returns the answer frame.
// It knows nothing of Lambda or WebSockets; shared/gateway adapts API Gateway events to it.
package csms

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Options configure the answers the central system gives.
type Options struct {
	// HeartbeatInterval is BootNotification.conf's interval.
	HeartbeatInterval time.Duration
	// AcceptUnknownTags answers Accepted for id tags not on the list.
	AcceptUnknownTags bool
	// KnownVendorIDs are the DataTransfer vendors answered Accepted.
	KnownVendorIDs []string
	// MessageRetention is how long frame-log rows are kept.
	MessageRetention time.Duration
	// ClockSkew is how far a box's timestamp may run ahead of the receipt time before it is
	// flagged (default 5 minutes).
	ClockSkew time.Duration
	// Certificates configure SignCertificate and AuthorizationKey rotation (security_certs.go).
	Certificates Certificates
}

// Service handles frames from charge boxes.
type Service struct {
	store *store.Store
	opts  Options
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Service storing to st.
func New(st *store.Store, opts Options, log *slog.Logger) *Service {
	if opts.ClockSkew <= 0 {
		opts.ClockSkew = 5 * time.Minute
	}
	return &Service{store: st, opts: opts, log: log, now: time.Now}
}

// Inbound is one frame from a charge box with what the gateway knows of its connection.
type Inbound struct {
	ChargeBoxID  string
	TenantID     string
	ConnectionID string
	// Registration is the box's registration status when it connected (the $connect
	// authorizer's context). A Rejected box is answered only to BootNotification.
	Registration string
	// ReceivedAt is when API Gateway received the frame; it orders the frame log.
	ReceivedAt time.Time
	Body       []byte
}

// call is what a handler gets besides its typed request.
type call struct {
	Inbound
	UniqueID string
	Action   ocpp.Action
	// followUp is a CALL to send once the answer is out (set by the handler).
	followUp *FollowUp
}

// handler runs one action; req is a pointer to the action's request type.
type handler func(ctx context.Context, s *Service, c *call, req any) (any, error)

// typed adapts a handler method with concrete request and response types.
func typed[Req, Resp any](f func(*Service, context.Context, *call, *Req) (*Resp, error)) handler {
	return func(ctx context.Context, s *Service, c *call, req any) (any, error) {
		r, ok := req.(*Req)
		if !ok {
			return nil, errors.New("request type does not match its action")
		}
		return f(s, ctx, c, r)
	}
}

// handlers maps every charge-box-initiated action to its handler.
var handlers = map[ocpp.Action]handler{
	ocpp.BootNotification:              typed((*Service).bootNotification),
	ocpp.Heartbeat:                     typed((*Service).heartbeat),
	ocpp.Authorize:                     typed((*Service).authorize),
	ocpp.StartTransaction:              typed((*Service).startTransaction),
	ocpp.StopTransaction:               typed((*Service).stopTransaction),
	ocpp.StatusNotification:            typed((*Service).statusNotification),
	ocpp.MeterValues:                   typed((*Service).meterValues),
	ocpp.DataTransfer:                  typed((*Service).dataTransfer),
	ocpp.DiagnosticsStatusNotification: typed((*Service).diagnosticsStatusNotification),
	ocpp.FirmwareStatusNotification:    typed((*Service).firmwareStatusNotification),
	// The security extension (security.go).
	ocpp.SecurityEventNotification:        typed((*Service).securityEventNotification),
	ocpp.SignedFirmwareStatusNotification: typed((*Service).signedFirmwareStatusNotification),
	ocpp.LogStatusNotification:            typed((*Service).logStatusNotification),
	ocpp.SignCertificate:                  typed((*Service).signCertificate),
}

// Receive handles one frame and returns the frame to send back, nil when none is due (the
// box's answers to our calls get no answer). Every frame, and the answer, is logged in one
// frame-log row. An error means nothing could be answered or logged; the box will retry.
func (s *Service) Receive(ctx context.Context, in Inbound) ([]byte, error) {
	res, err := s.Handle(ctx, in)
	return res.Reply, err
}

// Handle is Receive that also returns the CALL to send after the answer, if any.
func (s *Service) Handle(ctx context.Context, in Inbound) (Result, error) {
	reply, c, err := s.receive(ctx, in)
	if err != nil || reply == nil {
		return Result{Reply: reply}, err
	}
	return Result{Reply: reply, FollowUp: c.followUp}, nil
}

func (s *Service) receive(ctx context.Context, in Inbound) ([]byte, *call, error) {
	frame, perr := ocpp.ParseFrame(in.Body)
	c := &call{Inbound: in, UniqueID: frame.UniqueID, Action: ocpp.Action(frame.Action)}
	log := s.log.With("chargeBoxId", in.ChargeBoxID, "connectionId", in.ConnectionID, "uniqueId", frame.UniqueID)
	got := store.LoggedFrame{Direction: store.FromBox, Raw: string(in.Body), MessageType: int(frame.Type), UniqueID: frame.UniqueID, OccurredAt: store.FormatTime(in.ReceivedAt)}

	var reply []byte
	replyType := ocpp.TypeCallError
	switch {
	case perr != nil && frame.Type != ocpp.TypeCallResult && frame.Type != ocpp.TypeCallError:
		oe := ocpp.AsError(perr)
		log.Warn("malformed frame", "errorCode", oe.Code, "error", oe.Description)
		reply = ocpp.ErrorFrame(frame.UniqueID, oe.Code, oe.Description, details(oe))
	case perr != nil:
		// A malformed answer gets no answer (OCPP-J answers CALLs only); the call it meant to
		// answer stays pending until it times out.
		log.Warn("malformed answer from charge box", "error", perr)
	case frame.Type == ocpp.TypeCall:
		got.Action = frame.Action
		log = log.With("action", frame.Action)
		reply, replyType = s.dispatch(ctx, c, frame, log)
	default:
		got.ResponseTo = s.completeCommand(ctx, c, frame, log)
	}

	x := store.Exchange{ChargeBoxID: in.ChargeBoxID, TenantID: in.TenantID, ConnectionID: in.ConnectionID,
		OccurredAt: in.ReceivedAt, Retention: s.opts.MessageRetention, Frames: []store.LoggedFrame{got}}
	if reply != nil {
		sent := store.LoggedFrame{Direction: store.ToBox, Raw: string(reply), MessageType: int(replyType), UniqueID: frame.UniqueID, OccurredAt: store.FormatTime(s.now())}
		if frame.Type == ocpp.TypeCall && perr == nil {
			sent.ResponseTo = frame.Action
		}
		x.Frames = append(x.Frames, sent)
	}
	if err := s.store.LogExchange(ctx, x); err != nil {
		log.Error("frame log write failed", "error", err)
		if frame.Type == ocpp.TypeCall && perr == nil {
			// The state writes are idempotent, so an InternalError makes the box retry safely.
			return ocpp.ErrorFrame(frame.UniqueID, ocpp.InternalError, "could not store the message; retry", nil), &call{}, nil
		}
		return nil, c, err
	}
	if replyType != ocpp.TypeCallResult {
		c.followUp = nil
	}
	return reply, c, nil
}

// stillRejected reads the registration of a box that was Rejected when it connected: an
// operator may have accepted it since, and its next BootNotification told it so. Only such
// boxes pay for the read.
func (s *Service) stillRejected(ctx context.Context, box string) (bool, error) {
	b, err := s.store.GetChargeBox(ctx, box)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil // deleted from the registry: refused like a Rejected box
	}
	if err != nil {
		return false, err
	}
	return b.RegistrationStatus == string(ocpp.RegistrationStatusRejected), nil
}

// dispatch validates and handles a CALL and returns the CALLRESULT or CALLERROR frame.
func (s *Service) dispatch(ctx context.Context, c *call, frame ocpp.Frame, log *slog.Logger) ([]byte, ocpp.MessageType) {
	fail := func(oe *ocpp.Error) ([]byte, ocpp.MessageType) {
		level := slog.LevelWarn
		if oe.Code == ocpp.InternalError {
			level = slog.LevelError
		}
		log.Log(ctx, level, "call refused", "errorCode", oe.Code, "error", oe.Description)
		return ocpp.ErrorFrame(frame.UniqueID, oe.Code, oe.Description, details(oe)), ocpp.TypeCallError
	}
	spec, known := ocpp.Lookup(frame.Action)
	h, handled := handlers[ocpp.Action(frame.Action)]
	switch {
	case !known:
		return fail(ocpp.Errorf(ocpp.NotImplemented, "", "unknown action %q", ocpp.Excerpt(frame.Action)))
	case !handled || spec.Initiator == ocpp.CentralSystem:
		return fail(ocpp.Errorf(ocpp.NotSupported, "", "%s is not sent by a charge box", frame.Action))
	}
	req, err := ocpp.DecodeRequest(frame.Action, frame.Payload)
	if err != nil {
		return fail(ocpp.AsError(err))
	}
	if c.Registration == string(ocpp.RegistrationStatusRejected) && c.Action != ocpp.BootNotification {
		// OCPP 1.6 section 4.2: a Rejected box sends nothing but BootNotification until its
		// retry interval has passed. Its other requests are not acted on (no authorization,
		// no session); the frame log still keeps and publishes them.
		rejected, err := s.stillRejected(ctx, c.ChargeBoxID)
		if err != nil {
			log.Error("read registration", "error", err)
			return fail(ocpp.AsError(err))
		}
		if rejected {
			return fail(ocpp.Errorf(ocpp.SecurityError, "", "charge box registration is Rejected: only BootNotification is accepted"))
		}
	}
	resp, err := h(ctx, s, c, req)
	if err != nil {
		log.Error("handler failed", "error", err)
		return fail(ocpp.AsError(err))
	}
	out, err := ocpp.ResultFrame(frame.UniqueID, resp)
	if err != nil {
		// Our own answer broke the specification: a bug, reported as InternalError.
		log.Error("invalid answer built", "error", err)
		return fail(ocpp.Errorf(ocpp.InternalError, "", "internal error"))
	}
	log.Info("call handled")
	return out, ocpp.TypeCallResult
}

// completeCommand matches a CALLRESULT or CALLERROR to the pending command it answers and
// returns that command's action ("" when nothing was pending under that id).
func (s *Service) completeCommand(ctx context.Context, c *call, frame ocpp.Frame, log *slog.Logger) string {
	o := store.Outcome{At: c.ReceivedAt}
	if frame.Type == ocpp.TypeCallError {
		o.Status, o.ErrorCode, o.ErrorDescription, o.ErrorDetails = store.CommandFailed, string(frame.ErrorCode), frame.ErrorDescription, string(frame.ErrorDetails)
	} else {
		o.Status, o.Response = store.CommandAnswered, string(frame.Payload)
	}
	pending, err := s.store.GetCommand(ctx, frame.UniqueID)
	if err != nil || pending.ChargeBoxID != c.ChargeBoxID || pending.Status != store.CommandPending {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			log.Error("read pending command", "error", err)
		} else {
			log.Warn("answer to no pending call", "messageType", frame.Type)
		}
		return pending.Action
	}
	if frame.Type == ocpp.TypeCallResult {
		if _, err := ocpp.DecodeResponse(pending.Action, frame.Payload); err != nil {
			oe := ocpp.AsError(err)
			o.Status, o.ErrorCode, o.ErrorDescription = store.CommandRejected, string(oe.Code), oe.Description
		}
	}
	if o.Status == store.CommandAnswered {
		// The effect is stored before the command reads as answered, so an API caller who sees
		// the answer also sees what it changed. Effects are idempotent, so a repeated answer
		// that applies one again does no harm.
		answered := pending
		answered.Response = o.Response
		if err := s.applyEffect(ctx, answered); err != nil {
			log.Error("apply answer's effect", "action", pending.Action, "error", err)
		}
	}
	cmd, err := s.store.CompleteCommand(ctx, c.ChargeBoxID, frame.UniqueID, o)
	switch {
	case errors.Is(err, store.ErrNotFound):
		log.Warn("answer to a call that is no longer pending", "action", pending.Action)
	case err != nil:
		log.Error("record answer", "action", pending.Action, "error", err)
	default:
		log.Info("call answered", "action", cmd.Action, "status", o.Status)
	}
	return pending.Action
}

// details names the offending field in the CALLERROR's errorDetails.
func details(oe *ocpp.Error) any {
	if oe.Field == "" {
		return nil
	}
	return map[string]string{"field": oe.Field}
}

func (s *Service) vendorKnown(id string) bool { return slices.Contains(s.opts.KnownVendorIDs, id) }
