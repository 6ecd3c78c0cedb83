package cost

import "flag"

// UsageFlags defines on fs the flags of the usage profile p (fleet size and traffic), the ones
// `make cost` and `make capacity` share, with p's values as defaults.
func UsageFlags(fs *flag.FlagSet, p *Profile, boxesUsage string) {
	fs.IntVar(&p.Boxes, "boxes", p.Boxes, boxesUsage)
	fs.IntVar(&p.Connectors, "connectors", p.Connectors, "connectors per box")
	fs.DurationVar(&p.HeartbeatInterval, "heartbeat", p.HeartbeatInterval, "Heartbeat interval")
	fs.Float64Var(&p.SessionsPerDay, "sessions-per-day", p.SessionsPerDay, "charging sessions per box and day")
	fs.DurationVar(&p.SessionLength, "session", p.SessionLength, "mean session length")
	fs.DurationVar(&p.MeterInterval, "meter-interval", p.MeterInterval, "MeterValues interval during a session")
	fs.Float64Var(&p.ReconnectsPerDay, "reconnects-per-day", p.ReconnectsPerDay, "connections per box and day (API Gateway closes them after 2 h)")
}
