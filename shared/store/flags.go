package store

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Session flags: what a session's box-reported times and meter values show that cannot be
// right. Box clocks and meters are data, not authority: such a session is stored as the box
// reported it, flagged, and published with its flags, never silently.
const (
	// FlagNegativeDuration: the stop's timestamp is before the start's.
	FlagNegativeDuration = "negativeDuration"
	// FlagMeterBackwards: meterStop is below meterStart.
	FlagMeterBackwards = "meterBackwards"
	// FlagReadingsBackwards: the energy register readings the stop carried go backwards in
	// time, or meterStop is below one of them.
	FlagReadingsBackwards = "readingsBackwards"
	// FlagStopTimestampAhead: the stop's timestamp is further ahead of its receipt than the
	// allowed clock skew.
	FlagStopTimestampAhead = "stopTimestampAhead"
	// FlagStartTimestampAhead: the start's timestamp is further ahead of its receipt than the
	// allowed clock skew.
	FlagStartTimestampAhead = "startTimestampAhead"
)

// SessionFlags returns the flags stored on a session together with those its start and stop
// show (which the stop alone cannot tell without reading the session), sorted, each once.
// meterStart and meterStop are nil when unknown.
func SessionFlags(stored []string, startedAt, stoppedAt string, meterStart, meterStop *int64) []string {
	flags := slices.Clone(stored)
	if startedAt != "" && stoppedAt != "" && stoppedAt < startedAt {
		flags = append(flags, FlagNegativeDuration)
	}
	if meterStart != nil && meterStop != nil && *meterStop < *meterStart {
		flags = append(flags, FlagMeterBackwards)
	}
	slices.Sort(flags)
	flags = slices.Compact(flags)
	if flags == nil {
		flags = []string{}
	}
	return flags
}

// stringList is a DynamoDB list of strings.
func stringList(vs []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(vs))
	for i, v := range vs {
		l[i] = str(v)
	}
	return &types.AttributeValueMemberL{Value: l}
}
