package store_test

import (
	"slices"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// Registration statuses as the registry stores them: OCPP RegistrationStatus values.
var (
	accepted = string(ocpp.RegistrationStatusAccepted)
	pending  = string(ocpp.RegistrationStatusPending)
	rejected = string(ocpp.RegistrationStatusRejected)
)

// unsecured registers test boxes without a password (security profile 0), which the registry
// allows only when said.
var unsecured = true

func startSession(box string, connector int, tag string, at time.Time) store.Session {
	return store.Session{ChargeBoxID: box, ConnectorID: connector, IDTag: tag, MeterStart: 100, StartedAt: store.FormatTime(at)}
}

func intp(v int) *int { return &v }

// sameSet reports whether a and b hold the same ids in any order.
func sameSet(a, b []int) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
