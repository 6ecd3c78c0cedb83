// Package ocpp is the OCPP 1.6-J protocol: OCPP-J framing (CALL, CALLRESULT, CALLERROR), the
// request and response types of the 28 OCPP 1.6 actions, and their validation to the
// specification (required fields, CiString lengths, enumerations, integer and dateTime types,
// minimums and cardinalities), with every violation mapped to the CALLERROR code to answer.
//
// Inbound, a handler calls ParseFrame, then DecodeRequest (a CALL) or DecodeResponse (a
// CALLRESULT to one of our CALLs); any error converts with AsError into the CALLERROR to send
// with ErrorFrame. Outbound, CallFrame and ResultFrame validate by the same rules, so the
// central system never sends what it would itself refuse.
//
// The package knows nothing of Lambda, DynamoDB or WebSockets. docs/ocpp.md describes the rules.
package ocpp
