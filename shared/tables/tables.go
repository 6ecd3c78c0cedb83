// Package tables defines every DynamoDB table of the central system: names, keys, indexes, TTL
// and streams. The local stack creates tables from these values and the CDK stack declares them
// from the same values, so the two cannot drift. The attributes written into each table are
// described in docs/storage.md.
package tables

// AttributeType is a DynamoDB key attribute type.
type AttributeType string

// Key attribute types.
const (
	String AttributeType = "S"
	Number AttributeType = "N"
)

// Attribute is a key attribute.
type Attribute struct {
	Name string
	Type AttributeType
}

// Index is a global secondary index; all attributes are projected.
type Index struct {
	Name         string
	PartitionKey Attribute
	SortKey      *Attribute
}

// Table is one DynamoDB table. Name is the logical name; the deployed name is Prefix + Name.
type Table struct {
	Name         string
	PartitionKey Attribute
	SortKey      *Attribute
	Indexes      []Index
	// TTLAttribute names the epoch-seconds attribute DynamoDB expires items by; empty for none.
	TTLAttribute string
	// Stream is true when the publisher consumes this table's stream (NEW_AND_OLD_IMAGES).
	Stream bool
}

// FullName is the deployed table name under the given prefix.
func (t Table) FullName(prefix string) string { return prefix + t.Name }

func s(name string) Attribute   { return Attribute{Name: name, Type: String} }
func n(name string) Attribute   { return Attribute{Name: name, Type: Number} }
func ps(name string) *Attribute { a := s(name); return &a }
func pn(name string) *Attribute { a := n(name); return &a }

// ExpiresAt is the TTL attribute name used by every table that expires items.
const ExpiresAt = "expiresAt"

// The tables.
var (
	// ChargeBoxes is the registry: registration status, password hash, tenant, boot information,
	// firmware and diagnostics status, configuration cache. One item per charge box.
	// byShard lists it without a scan: partition listShard is "<k>" for a box with a password
	// and "u#<k>" for one without (k is the box's listing shard, 0 to 15), sorted by id.
	ChargeBoxes = Table{Name: "charge-boxes", PartitionKey: s("chargeBoxId"),
		Indexes: []Index{{Name: "byShard", PartitionKey: s("listShard"), SortKey: ps("chargeBoxId")}}}

	// Connections holds the live WebSocket connection of each charge box. The item is deleted
	// only while it still holds the closing connection's id, and expires by TTL as a backstop
	// for a $disconnect that API Gateway never delivered.
	// The live index lists them without a scan: partition listShard (the box's listing shard,
	// 0 to 15, so no index partition takes every connect), sorted by expiresAt so that a listing
	// reads only rows not yet expired.
	Connections = Table{Name: "connections", PartitionKey: s("chargeBoxId"), TTLAttribute: ExpiresAt,
		Indexes: []Index{{Name: "live", PartitionKey: n("listShard"), SortKey: pn("expiresAt")}}}

	// Connectors holds the last StatusNotification of each connector (0 is the box itself) and
	// the transaction running on it.
	Connectors = Table{Name: "connectors", PartitionKey: s("chargeBoxId"), SortKey: pn("connectorId")}

	// IDTags is the authorization list; byShard lists it by listing shard (0 to 15), no scan.
	IDTags = Table{Name: "id-tags", PartitionKey: s("idTag"),
		Indexes: []Index{{Name: "byShard", PartitionKey: n("listShard"), SortKey: ps("idTag")}}}

	// Sessions holds charging sessions by transaction id. Its stream carries the transition of
	// a session to finished, which the publisher turns into one session message.
	Sessions = Table{
		Name:         "sessions",
		PartitionKey: n("transactionId"),
		Indexes: []Index{
			{Name: "byChargeBox", PartitionKey: s("chargeBoxId"), SortKey: ps("startedAt")},
			// Sparse: only running sessions carry runningIdTag, so counting a tag's running
			// sessions (maxActiveTransactions, ConcurrentTx) reads those and nothing else.
			{Name: "runningByIdTag", PartitionKey: s("runningIdTag")},
			// Sparse: the running sessions by box, newest first. Counting or listing the
			// running sessions of the fleet reads these items only, never the history.
			{Name: "runningByChargeBox", PartitionKey: s("runningChargeBoxId"), SortKey: ps("startedAt")},
			// The fleet's sessions by time without a scan: partition listShard is "r#<k>" while
			// the session runs and "<k>" afterwards (k is its box's listing shard, 0 to 15).
			{Name: "byShard", PartitionKey: s("listShard"), SortKey: ps("startedAt")},
		},
		Stream: true,
	}

	// TransactionStarts maps the identity of a StartTransaction (box, connector, idTag,
	// timestamp) to the transaction id it was given, so a retried start gets the same id.
	// The items CounterKey#0 .. CounterKey#63 are the sharded transaction id counters (store/txids.go).
	TransactionStarts = Table{Name: "transaction-starts", PartitionKey: s("startKey")}

	// MeterValues holds one item per MeterValues request (or StopTransaction transactionData),
	// with every sampled value in it.
	MeterValues = Table{
		Name:         "meter-values",
		PartitionKey: s("chargeBoxId"),
		SortKey:      ps("readingKey"),
		Indexes: []Index{
			{Name: "byTransaction", PartitionKey: n("transactionId"), SortKey: ps("readingKey")},
		},
	}

	// Messages is the frame log: one item per exchange (a CALL and the answer sent to it, or a
	// frame on its own) and one per connection event. Its stream feeds the publisher; the
	// newest item of a box tells when it was last seen.
	Messages = Table{
		Name:         "messages",
		PartitionKey: s("chargeBoxId"),
		SortKey:      ps("seq"),
		TTLAttribute: ExpiresAt,
		Stream:       true,
	}

	// Commands holds remote commands (pending calls to charge boxes) and their outcome.
	Commands = Table{
		Name:         "commands",
		PartitionKey: s("commandId"),
		TTLAttribute: ExpiresAt,
		Indexes: []Index{
			{Name: "byChargeBox", PartitionKey: s("chargeBoxId"), SortKey: ps("createdAt")},
			// The fleet's commands by time without a scan: partition day is the UTC date of
			// createdAt ("2026-12-02"), so a listing walks the days of its window newest first
			// and is newest first across the fleet (a listing sharded by box would be ordered
			// within a shard only). Commands are sent by operators and their tools, one
			// outstanding per box: far below the 1,000 write units per second of one partition
			// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html).
			{Name: "byDay", PartitionKey: s("day"), SortKey: ps("createdAt")},
		},
	}
)

// Reservations holds ReserveNow reservations a box accepted, by box and reservationId; a
// StartTransaction carrying the id consumes its reservation.
// byShard lists every box's reservations by listing shard (0 to 15) without a scan.
var Reservations = Table{Name: "reservations", PartitionKey: s("chargeBoxId"), SortKey: pn("reservationId"), TTLAttribute: ExpiresAt,
	Indexes: []Index{{Name: "byShard", PartitionKey: n("listShard"), SortKey: ps("chargeBoxId")}}}

// ChargingProfiles holds the charging profiles a box accepted, per connector (profileKey is
// "<connectorId>#<chargingProfileId>").
var ChargingProfiles = Table{Name: "charging-profiles", PartitionKey: s("chargeBoxId"), SortKey: ps("profileKey")}

// EVSEs maps registered EVSE ids to one connector of one box; ids without an entry follow the
// default form "<chargeBoxId>*<connectorId>".
var EVSEs = Table{Name: "evses", PartitionKey: s("evseId")}

// Anomalies holds what a charge box tried and was not allowed to change: a StopTransaction or
// MeterValues naming another box's (or connector's) transaction, and stops of transaction ids
// never issued (orphan stops, kept here so they can never collide with an issued id). One item
// per box and content (anomalyKey is "<kind>#<transactionId>#<content>"); byKind lists one kind
// fleet-wide in detection order. No stream: nothing here is published.
var Anomalies = Table{
	Name: "anomalies", PartitionKey: s("chargeBoxId"), SortKey: ps("anomalyKey"),
	Indexes: []Index{{Name: "byKind", PartitionKey: s("kind"), SortKey: ps("detectedAt")}},
}

// SecurityEvents holds the SecurityEventNotifications of the security extension: one item per
// event of a box (eventKey is "<timestamp>#<uniqueId>", so a resent frame lands on the same
// item). byType lists one type fleet-wide and byTime the whole fleet, both in time order; the
// fleet partition has one value ("all"): security events, a few per box and day, stay far below
// DynamoDB's 1,000 write units per second of one partition
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html).
// No stream: the publisher derives the security-event message from the frame log.
var SecurityEvents = Table{
	Name: "security-events", PartitionKey: s("chargeBoxId"), SortKey: ps("eventKey"),
	Indexes: []Index{
		{Name: "byType", PartitionKey: s("type"), SortKey: ps("eventKey")},
		{Name: "byTime", PartitionKey: s("fleet"), SortKey: ps("eventKey")},
	},
}

// Aggregates holds the fleet-wide counts the operator summary shows: one item per shard (0 to
// store.AggregateShards-1), each with the counts of the boxes whose id hashes to it (online
// boxes, connectors by status, running sessions). Every state change updates its box's shard in
// the same transaction, so no item takes the whole fleet's writes; the summary reads every
// shard in two BatchGetItems. docs/scale.md ("Operator views and aggregates") describes it.
var Aggregates = Table{Name: "aggregates", PartitionKey: n("shard")}

// CounterKey is the TransactionStarts item that held the last transaction id given out by
// earlier versions (read once per instance, never written); the sharded counters are named
// CounterKey + "#<shard>".
const CounterKey = "#counter"

// All lists every table, in a fixed order.
func All() []Table {
	return []Table{ChargeBoxes, Connections, Connectors, IDTags, Sessions, TransactionStarts, MeterValues, Messages, Commands, Reservations, ChargingProfiles, EVSEs, Anomalies, SecurityEvents, Certificates, Aggregates}
}
