package csms

import (
	"slices"
	"strconv"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Box clocks and meters are data, not authority: what they report is stored as sent, and what
// cannot be right is flagged. The order frames are received in decides what is current.

// ahead reports whether a box's timestamp runs further ahead of the receipt time than the
// allowed clock skew.
func (s *Service) ahead(boxTime, received time.Time) bool {
	return boxTime.After(received.Add(s.opts.ClockSkew))
}

// startFlags is what a StartTransaction shows to be wrong: a timestamp too far ahead.
func (s *Service) startFlags(req *ocpp.StartTransactionRequest, received time.Time) []string {
	if s.ahead(req.Timestamp.Time, received) {
		return []string{store.FlagStartTimestampAhead}
	}
	return nil
}

// stopFlags is what a StopTransaction alone shows to be wrong; what needs the start too
// (a negative duration, meterStop below meterStart) is store.SessionFlags's.
func (s *Service) stopFlags(req *ocpp.StopTransactionRequest, received time.Time) []string {
	var flags []string
	if s.ahead(req.Timestamp.Time, received) {
		flags = append(flags, store.FlagStopTimestampAhead)
	}
	if registerBackwards(req.TransactionData, req.MeterStop) {
		flags = append(flags, store.FlagReadingsBackwards)
	}
	return flags
}

// registerBackwards reports whether the energy register readings (Energy.Active.Import.Register,
// the default measurand, without phase) go backwards in time, or meterStop (Wh) is below one.
func registerBackwards(data []ocpp.MeterValue, meterStop int) bool {
	type reading struct {
		at time.Time
		wh float64
	}
	var rs []reading
	for _, mv := range data {
		for _, sv := range mv.SampledValue {
			if wh, ok := registerWh(sv); ok {
				rs = append(rs, reading{mv.Timestamp.Time, wh})
			}
		}
	}
	slices.SortStableFunc(rs, func(a, b reading) int { return a.at.Compare(b.at) })
	for i, r := range rs {
		if (i > 0 && r.wh < rs[i-1].wh) || float64(meterStop) < r.wh {
			return true
		}
	}
	return false
}

// registerWh reads an energy register sampled value in Wh.
func registerWh(sv ocpp.SampledValue) (float64, bool) {
	if (sv.Measurand != "" && sv.Measurand != ocpp.MeasurandEnergyActiveImportRegister) || sv.Phase != "" ||
		sv.Format == ocpp.ValueFormatSignedData {
		return 0, false
	}
	v, err := strconv.ParseFloat(sv.Value, 64)
	if err != nil {
		return 0, false
	}
	switch sv.Unit {
	case "", ocpp.UnitOfMeasureWh:
		return v, true
	case ocpp.UnitOfMeasureKWh:
		return v * 1000, true
	}
	return 0, false
}
