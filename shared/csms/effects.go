package csms

import (
	"context"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// effect keeps what an accepted answer to a remote command implies (configuration cache, local
// list version, reservations, charging profiles, availability). It runs where the answer
// arrives, so it applies even when the API caller stopped waiting.
type effect func(ctx context.Context, s *Service, cmd store.Command) error

// effects maps a remote command's action to what its answer changes.
var effects = map[ocpp.Action]effect{}

func (s *Service) applyEffect(ctx context.Context, cmd store.Command) error {
	if f, ok := effects[ocpp.Action(cmd.Action)]; ok {
		return f(ctx, s, cmd)
	}
	return nil
}
