package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Session statuses.
const (
	SessionRunning  = "running"
	SessionFinished = "finished"
	// SessionAbandoned marks a session whose connector started another one before it stopped.
	SessionAbandoned = "abandoned"
)

// Session is an item of the sessions table.
type Session struct {
	TransactionID int    `dynamodbav:"transactionId"`
	ChargeBoxID   string `dynamodbav:"chargeBoxId"`
	TenantID      string `dynamodbav:"tenantId,omitempty"`
	ConnectorID   int    `dynamodbav:"connectorId"`
	IDTag         string `dynamodbav:"idTag,omitempty"`
	MeterStart    int    `dynamodbav:"meterStart"`
	StartedAt     string `dynamodbav:"startedAt,omitempty"`
	ReservationID *int   `dynamodbav:"reservationId,omitempty"`
	Status        string `dynamodbav:"status"`
	// RunningIDTag is the idTag while the session runs, absent afterwards: the sparse index
	// runningByIdTag counts a tag's running sessions from it.
	RunningIDTag string `dynamodbav:"runningIdTag,omitempty"`
	// RunningChargeBoxID is the chargeBoxId while the session runs, absent afterwards: the
	// sparse index runningByChargeBox lists and counts running sessions from it.
	RunningChargeBoxID string `dynamodbav:"runningChargeBoxId,omitempty"`
	// ListShard is the session's partition of the byShard index: "r#<k>" while it runs, "<k>"
	// afterwards (k is ListShard(chargeBoxId)), so the running sessions are listed from their
	// own partitions.
	ListShard string `dynamodbav:"listShard,omitempty"`
	// ReservationConsumed tells that the start consumed reservation ReservationID.
	ReservationConsumed bool `dynamodbav:"reservationConsumed,omitempty"`
	// IDTagStatus is the authorization status StartTransaction was answered with.
	IDTagStatus string `dynamodbav:"idTagStatus,omitempty"`
	CreatedAt   string `dynamodbav:"createdAt,omitempty"`

	MeterStop       *int   `dynamodbav:"meterStop,omitempty"`
	StoppedAt       string `dynamodbav:"stoppedAt,omitempty"`
	StopReason      string `dynamodbav:"stopReason,omitempty"`
	StopIDTag       string `dynamodbav:"stopIdTag,omitempty"`
	TransactionData string `dynamodbav:"transactionData,omitempty"`
	// UnknownStart is set on rows earlier versions wrote for a StopTransaction whose start the
	// system never saw; such stops are now orphan stops in the anomalies table.
	UnknownStart bool   `dynamodbav:"unknownStart,omitempty"`
	AbandonedAt  string `dynamodbav:"abandonedAt,omitempty"`
	AbandonedBy  int    `dynamodbav:"abandonedBy,omitempty"`
	FinishedAt   string `dynamodbav:"finishedAt,omitempty"`

	// Flags are what the stop showed to be wrong (see SessionFlags).
	Flags []string `dynamodbav:"flags,omitempty"`
	// StartFlags are what the StartTransaction showed to be wrong (FlagStartTimestampAhead),
	// kept apart so that the stop's flags never overwrite them.
	StartFlags []string `dynamodbav:"startFlags,omitempty"`
}

// RunningAttributes are the attributes a session carries only while it runs, to be in the
// sparse indexes runningByIdTag and runningByChargeBox. They are bookkeeping, not part of a
// session's view.
var RunningAttributes = []string{"runningIdTag", "runningChargeBoxId"}

// sessionShard is the byShard partition of a session of box.
func sessionShard(box string, running bool) string { return shardPart(ListShard(box), running) }

// endRunning takes a session of box out of the sparse running indexes and moves it to the
// finished partitions of byShard.
func endRunning(u *update, box string) {
	for _, a := range RunningAttributes {
		u.remove(a)
	}
	u.set("listShard", str(sessionShard(box, false)))
}

// Started is the outcome of Start.
type Started struct {
	TransactionID int
	// IDTagStatus is the authorization status the first start was answered with.
	IDTagStatus string
	// Retry tells that this start was already stored: the answer must be the first one.
	Retry bool
}

// StartSession is Start for callers that need only the transaction id.
func (s *Store) StartSession(ctx context.Context, sess Session, now time.Time) (int, error) {
	r, err := s.Start(ctx, sess, now)
	return r.TransactionID, err
}

// Start stores a new running session, or returns the transaction id already given to
// the same start (a retry). A session still running on the same connector is closed as
// abandoned in the same transaction. Twenty identical starts racing get one id and one session.
func (s *Store) Start(ctx context.Context, sess Session, now time.Time) (Started, error) {
	startedAt, err := time.Parse(timeFormat, sess.StartedAt)
	if err != nil {
		return Started{}, fmt.Errorf("start session: startedAt %q: %w", sess.StartedAt, err)
	}
	key := StartKey(sess.ChargeBoxID, sess.ConnectorID, sess.IDTag, startedAt)
	if r, err := s.startedAs(ctx, key); err == nil {
		return r, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Started{}, err
	}
	id, err := s.nextTransactionID(ctx)
	if err != nil {
		return Started{}, err
	}
	sess.Status, sess.CreatedAt = SessionRunning, FormatTime(now)
	sess.RunningIDTag, sess.RunningChargeBoxID = sess.IDTag, sess.ChargeBoxID
	sess.ListShard = sessionShard(sess.ChargeBoxID, true)
	// A start naming a reservation consumes it in the same transaction; when the reservation
	// is unknown, expired or used, the start is stored without it.
	sess.ReservationConsumed = sess.ReservationID != nil
	for attempt, skipped := 0, 0; attempt < 8; {
		sess.TransactionID = id
		conn, err := s.GetConnector(ctx, sess.ChargeBoxID, sess.ConnectorID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Started{}, err
		}
		err = s.startTransact(ctx, key, sess, conn.RunningTransactionID, true, now)
		if err == nil {
			return Started{TransactionID: id, IDTagStatus: sess.IDTagStatus}, nil
		}
		reasons := cancellationReasons(err)
		switch {
		case reasons == nil:
			return Started{}, err
		case reasons[0] == "ConditionalCheckFailed":
			// Another attempt of the same start won; hand out its id.
			return s.startedAs(ctx, key)
		case reasons[1] == "ConditionalCheckFailed" && skipped < maxSquatted:
			// The id already has a session (a row written before orphan stops had a table of
			// their own): take the next id. Nothing a box sends can create such rows now.
			skipped++
			if id, err = s.nextTransactionID(ctx); err != nil {
				return Started{}, err
			}
			continue
		case sess.ReservationConsumed && reasons[len(reasons)-1] == "ConditionalCheckFailed":
			sess.ReservationConsumed = false
			continue
		}
		// The connector changed under us (another start or a stop) or the transaction
		// conflicted: read again and retry.
		if err := sleep(ctx, attempt); err != nil {
			return Started{}, err
		}
		attempt++
	}
	return Started{}, fmt.Errorf("start session on %s/%d: too much contention", sess.ChargeBoxID, sess.ConnectorID)
}

// maxSquatted bounds how many ids already holding a session one start passes over.
const maxSquatted = 1000

// startTransact writes the start key, the session and the connector's running transaction;
// with abandon, the session that held the connector (oldTx) is closed as abandoned.
func (s *Store) startTransact(ctx context.Context, key string, sess Session, oldTx int, abandon bool, now time.Time) error {
	sessItem, err := marshal(sess)
	if err != nil {
		return err
	}
	startItem, err := marshal(startItem{StartKey: key, TransactionID: sess.TransactionID, IDTagStatus: sess.IDTagStatus})
	if err != nil {
		return err
	}
	var cu update
	cu.set("runningTransactionId", num(int64(sess.TransactionID)))
	var cond string
	if oldTx != 0 {
		cond = cu.cond("%s = ", "runningTransactionId") + cu.value(num(int64(oldTx)))
	} else {
		cond = cu.cond("attribute_not_exists(%s)", "runningTransactionId")
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.Table(tables.TransactionStarts), Item: startItem, ConditionExpression: aws.String("attribute_not_exists(startKey)")}},
		{Put: &types.Put{TableName: s.Table(tables.Sessions), Item: sessItem, ConditionExpression: aws.String("attribute_not_exists(transactionId)")}},
		{Update: &types.Update{
			TableName: s.Table(tables.Connectors), Key: connectorKey(sess.ChargeBoxID, sess.ConnectorID),
			UpdateExpression: cu.expression(), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: cu.names, ExpressionAttributeValues: cu.values,
		}},
	}
	abandonAt := -1
	if abandon && oldTx != 0 && oldTx != sess.TransactionID {
		abandonAt = len(items)
		var au update
		endRunning(&au, sess.ChargeBoxID)
		au.set("status", str(SessionAbandoned))
		au.set("abandonedAt", str(FormatTime(now)))
		au.set("abandonedBy", num(int64(sess.TransactionID)))
		acond := au.cond("%s = ", "status") + au.value(str(SessionRunning))
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: s.Table(tables.Sessions), Key: txKey(oldTx),
			UpdateExpression: au.expression(), ConditionExpression: aws.String(acond),
			ExpressionAttributeNames: au.names, ExpressionAttributeValues: au.values,
		}})
	}
	if abandonAt < 0 {
		// One more running session; closing the abandoned one in the same transaction evens it.
		items = append(items, *s.countItem(sess.ChargeBoxID, counted{countRunning: 1}))
	}
	if sess.ReservationConsumed {
		items = append(items, consumeReservation(s, sess, now))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if reasons := cancellationReasons(err); abandonAt > 0 && len(reasons) > abandonAt && reasons[abandonAt] == "ConditionalCheckFailed" && reasons[0] != "ConditionalCheckFailed" {
		// The old session is no longer running (it was stopped meanwhile): just take the connector.
		return s.startTransact(ctx, key, sess, oldTx, false, now)
	}
	return err
}

func txKey(id int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"transactionId": num(int64(id))}
}

// GetSession reads a session; ErrNotFound when there is none.
func (s *Store) GetSession(ctx context.Context, id int) (Session, error) {
	var sess Session
	err := s.get(ctx, tables.Sessions, txKey(id), &sess)
	return sess, err
}

// SessionFilter selects sessions; zero fields select everything.
type SessionFilter struct {
	ChargeBoxID string
	ConnectorID *int
	Status      string
	// From and To bound startedAt (inclusive, FormatTime form).
	From, To string
}

// sessionsPosition is where the pages of ListSessions of one box can end: a Query of the
// box's sessions (or running sessions) in the from-to range.
func sessionsPosition(f SessionFilter) position {
	index, boxKey := "byChargeBox", "chargeBoxId"
	if f.Status == SessionRunning {
		index, boxKey = "runningByChargeBox", "runningChargeBoxId"
	}
	from, to := cmp.Or(f.From, "0"), cmp.Or(f.To, "9")
	return indexPosition(tables.Sessions, index).in(boxKey, f.ChargeBoxID).between("startedAt", from, to)
}

// ListSessions lists sessions, newest first for one box (the byChargeBox index, or the sparse
// runningByChargeBox index for running ones, so listing them never reads the finished history),
// and fleet-wide from the byShard index (listFleetSessions). No listing scans. A page may hold
// fewer than Limit items when a filter drops some.
func (s *Store) ListSessions(ctx context.Context, f SessionFilter, p Page) ([]Session, string, error) {
	if f.ChargeBoxID == "" {
		return s.listFleetSessions(ctx, f, p)
	}
	pos := sessionsPosition(f)
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	running := f.Status == SessionRunning
	index, boxKey := "byChargeBox", "chargeBoxId"
	if running {
		index, boxKey = "runningByChargeBox", "runningChargeBoxId"
	}
	var u update
	var filters []string
	if f.Status != "" && !running {
		filters = append(filters, u.cond("%s = ", "status")+u.value(str(f.Status)))
	}
	if f.ConnectorID != nil {
		filters = append(filters, u.cond("%s = ", "connectorId")+u.value(num(int64(*f.ConnectorID))))
	}
	// Stored times are fixed-width ISO strings, so these bounds cover every one of them
	// (DynamoDB refuses empty strings in key conditions).
	from, to := f.From, f.To
	if from == "" {
		from = "0"
	}
	if to == "" {
		to = "9"
	}
	key := u.cond("%s = ", boxKey) + u.value(str(f.ChargeBoxID)) + u.cond(" AND %s BETWEEN ", "startedAt") + u.value(str(from)) + " AND " + u.value(str(to))
	var filter *string
	if len(filters) > 0 {
		filter = aws.String(strings.Join(filters, " AND "))
	}
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: s.Table(tables.Sessions), IndexName: aws.String(index),
		KeyConditionExpression: aws.String(key), FilterExpression: filter,
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start, Limit: limit(p.Limit),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list sessions of %s: %w", f.ChargeBoxID, err)
	}
	items, last := res.Items, res.LastEvaluatedKey
	var out []Session
	next, err := pos.page(items, last, &out, "sessions")
	return out, next, err
}

// listFleetSessions lists the sessions of every box from the byShard index, newest first within
// a partition: the running partitions for status running, the others for finished and
// abandoned (filtered by status), both for no status; from and to bound startedAt in the key
// condition, so a page reads only sessions of the range.
func (s *Store) listFleetSessions(ctx context.Context, f SessionFilter, p Page) ([]Session, string, error) {
	q := sharded{table: tables.Sessions, index: "byShard", key: "listShard", newestFirst: true}
	for _, running := range []bool{true, false} {
		if (f.Status == SessionRunning && !running) || (f.Status != "" && f.Status != SessionRunning && running) {
			continue
		}
		for k := range ListShards {
			q.parts = append(q.parts, shardPart(k, running))
		}
	}
	from, to := cmp.Or(f.From, "0"), cmp.Or(f.To, "9")
	q.sortCond = q.u.cond("%s BETWEEN ", "startedAt") + q.u.value(str(from)) + " AND " + q.u.value(str(to))
	q.bound = func(pos position) position { return pos.between("startedAt", from, to) }
	if f.Status != "" && f.Status != SessionRunning {
		q.filter = q.u.cond("%s = ", "status") + q.u.value(str(f.Status))
	}
	var out []Session
	next, err := s.listSharded(ctx, q, p, &out)
	return out, next, err
}

func shardPart(k int, running bool) string {
	if running {
		return "r#" + strconv.Itoa(k)
	}
	return strconv.Itoa(k)
}

// CountRunning counts the running sessions of an id tag from the sparse runningByIdTag index
// (no table scan). The index is eventually consistent: two starts within milliseconds may
// both see the count before the other.
func (s *Store) CountRunning(ctx context.Context, idTag string) (int, error) {
	total := 0
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: s.Table(tables.Sessions), IndexName: aws.String("runningByIdTag"),
		KeyConditionExpression:    aws.String("runningIdTag = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(idTag)},
		Select:                    types.SelectCount,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count running sessions of %s: %w", idTag, err)
		}
		total += int(page.Count)
	}
	return total, nil
}

// Stop is what a StopTransaction tells.
type Stop struct {
	ChargeBoxID     string
	TenantID        string
	TransactionID   int
	MeterStop       int
	StoppedAt       string
	Reason          string
	IDTag           string
	TransactionData string
	// UniqueID is the frame's uniqueId, kept on an anomaly the stop causes.
	UniqueID string
	// Flags are what the StopTransaction alone shows to be wrong (see SessionFlags).
	Flags []string
}

// Stopped is the outcome of FinishSession.
type Stopped struct {
	// Changed tells that the sender's session was finished now (not a retry).
	Changed bool
	// Anomaly is set when the stop named a transaction of another box (AnomalyForeignStop) or
	// one never issued (AnomalyOrphanStop); First tells that this content was new.
	Anomaly *Anomaly
	First   bool
}

// StopSession is FinishSession for callers that need only whether the session changed.
func (s *Store) StopSession(ctx context.Context, st Stop, now time.Time) (bool, error) {
	r, err := s.FinishSession(ctx, st, now)
	return r.Changed, err
}

// FinishSession finishes a session of the sender. The ownership check rides on the write: the
// session changes only when it exists, belongs to the sending box and is not finished. A retry
// (by content: the same transaction id, whatever the uniqueId) changes nothing. A stop of another
// box's transaction changes nothing of it and is recorded as an anomaly; a stop of an id never
// issued is recorded as an orphan stop of the sender in the anomalies table, a key space the
// allocator never uses, and is never published as a finished session.
func (s *Store) FinishSession(ctx context.Context, st Stop, now time.Time) (Stopped, error) {
	var u update
	endRunning(&u, st.ChargeBoxID)
	u.set("status", str(SessionFinished))
	u.set("meterStop", num(int64(st.MeterStop)))
	u.set("stoppedAt", str(st.StoppedAt))
	u.set("finishedAt", str(FormatTime(now)))
	for name, v := range map[string]string{"stopReason": st.Reason, "stopIdTag": st.IDTag, "transactionData": st.TransactionData} {
		if v != "" {
			u.set(name, str(v))
		}
	}
	if len(st.Flags) > 0 {
		u.set("flags", stringList(st.Flags))
	}
	cond := u.cond("attribute_exists(%s) AND %s = ", "transactionId", "chargeBoxId") + u.value(str(st.ChargeBoxID)) +
		u.cond(" AND %s <> ", "status") + u.value(str(SessionFinished))
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.Sessions), Key: txKey(st.TransactionID),
		UpdateExpression: u.expression(), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		var sess Session
		if err := attributevalue.UnmarshalMap(res.Attributes, &sess); err != nil {
			return Stopped{Changed: true}, fmt.Errorf("decode session: %w", err)
		}
		return Stopped{Changed: true}, s.releaseConnector(ctx, sess, sess.Status == SessionRunning)
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return Stopped{}, fmt.Errorf("stop session %d: %w", st.TransactionID, err)
	}
	var old Session
	if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
		return Stopped{}, fmt.Errorf("decode session %d: %w", st.TransactionID, err)
	}
	if len(ccf.Item) > 0 && old.ChargeBoxID == st.ChargeBoxID {
		return Stopped{}, nil // finished already: a retry
	}
	return s.recordStopAnomaly(ctx, st, old, len(ccf.Item) > 0, now)
}

// recordStopAnomaly keeps a stop that may not change a session: of another box's session
// (old) when exists, else of an id never issued.
func (s *Store) recordStopAnomaly(ctx context.Context, st Stop, old Session, exists bool, now time.Time) (Stopped, error) {
	stop := st.MeterStop
	a := Anomaly{
		ChargeBoxID: st.ChargeBoxID, Kind: AnomalyOrphanStop, TenantID: st.TenantID, Action: "StopTransaction",
		TransactionID: st.TransactionID, UniqueID: st.UniqueID, MeterStop: &stop, StoppedAt: st.StoppedAt,
		StopReason: st.Reason, StopIDTag: st.IDTag, TransactionData: st.TransactionData,
	}
	if exists {
		a.Kind, a.OwnerChargeBoxID = AnomalyForeignStop, old.ChargeBoxID
		connector := old.ConnectorID
		a.OwnerConnectorID = &connector
	}
	a.AnomalyKey = AnomalyKey(a.Kind, st.TransactionID, st.StoppedAt)
	first, err := s.RecordAnomaly(ctx, a, now)
	if err != nil {
		return Stopped{}, err
	}
	return Stopped{Anomaly: &a, First: first}, nil
}
