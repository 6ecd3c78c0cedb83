package tables

// Certificates records every certificate the central system's CA issued to a charge box
// (SignCertificate): one item per certificate, by box and "<issuedAt>#<serial>" so a box's
// certificates list newest first. byIssued lists them fleet-wide, newest first: every item
// carries the same partition value (FleetPartition), which is fine at this write rate (a box
// renews its certificate about once a year).
var Certificates = Table{
	Name: "certificates", PartitionKey: s("chargeBoxId"), SortKey: ps("certKey"),
	Indexes: []Index{{Name: "byIssued", PartitionKey: s("fleet"), SortKey: ps("issuedKey")}},
}

// FleetPartition is the partition value of Certificates' byIssued index.
const FleetPartition = "all"
