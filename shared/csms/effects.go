package csms

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// effect keeps what an accepted answer to a remote command implies (configuration cache, local
// list version, reservations, charging profiles, availability). It runs where the answer
// arrives, so it applies even when the API caller stopped waiting.
type effect func(ctx context.Context, s *Service, cmd store.Command) error

// effects maps a remote command's action to what its answer changes.
var effects = map[ocpp.Action]effect{
	ocpp.GetConfiguration:     answered(getConfigurationEffect),
	ocpp.ChangeConfiguration:  answered(changeConfigurationEffect),
	ocpp.SendLocalList:        answered(sendLocalListEffect),
	ocpp.GetLocalListVersion:  answered(getLocalListVersionEffect),
	ocpp.ReserveNow:           answered(reserveNowEffect),
	ocpp.CancelReservation:    answered(cancelReservationEffect),
	ocpp.SetChargingProfile:   answered(setChargingProfileEffect),
	ocpp.ClearChargingProfile: answered(clearChargingProfileEffect),
	ocpp.ChangeAvailability:   answered(changeAvailabilityEffect),
	// The security extension (security.go).
	ocpp.GetLog:                     answered(getLogEffect),
	ocpp.SignedUpdateFirmware:       answered(signedUpdateFirmwareEffect),
	ocpp.GetInstalledCertificateIds: answered(getInstalledCertificateIdsEffect),
	ocpp.InstallCertificate:         answered(installCertificateEffect),
}

func (s *Service) applyEffect(ctx context.Context, cmd store.Command) error {
	if f, ok := effects[ocpp.Action(cmd.Action)]; ok {
		return f(ctx, s, cmd)
	}
	return nil
}

// answered adapts an effect over the command's typed request and response. Both were
// validated (the request by the API before sending, the response on arrival).
func answered[Req, Resp any](f func(context.Context, *Service, store.Command, *Req, *Resp) error) effect {
	return func(ctx context.Context, s *Service, cmd store.Command) error {
		req, resp := new(Req), new(Resp)
		if err := json.Unmarshal([]byte(cmd.Request), req); err != nil {
			return fmt.Errorf("decode %s request: %w", cmd.Action, err)
		}
		if err := json.Unmarshal([]byte(cmd.Response), resp); err != nil {
			return fmt.Errorf("decode %s response: %w", cmd.Action, err)
		}
		return f(ctx, s, cmd, req, resp)
	}
}

func getConfigurationEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.GetConfigurationRequest, resp *ocpp.GetConfigurationResponse) error {
	values := make(map[string]store.ConfigValue, len(resp.ConfigurationKey))
	for _, kv := range resp.ConfigurationKey {
		values[kv.Key] = store.ConfigValue{Value: kv.Value, Readonly: kv.Readonly}
	}
	// Asked for every key, the answer is the whole configuration; asked for some, it is news
	// about those only.
	return s.store.SetConfiguration(ctx, cmd.ChargeBoxID, values, len(req.Key) == 0, s.now())
}

func changeConfigurationEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.ChangeConfigurationRequest, resp *ocpp.ChangeConfigurationResponse) error {
	if resp.Status != ocpp.ConfigurationStatusAccepted && resp.Status != ocpp.ConfigurationStatusRebootRequired {
		return nil
	}
	if ocpp.IsSecretKey(req.Key) {
		return s.rotateKey(ctx, cmd)
	}
	v := req.Value
	return s.store.SetConfiguration(ctx, cmd.ChargeBoxID, map[string]store.ConfigValue{req.Key: {Value: &v}}, false, s.now())
}

func sendLocalListEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.SendLocalListRequest, resp *ocpp.SendLocalListResponse) error {
	if resp.Status != ocpp.UpdateStatusAccepted {
		return nil
	}
	return s.store.SetLocalListVersion(ctx, cmd.ChargeBoxID, req.ListVersion, s.now())
}

func getLocalListVersionEffect(ctx context.Context, s *Service, cmd store.Command, _ *ocpp.GetLocalListVersionRequest, resp *ocpp.GetLocalListVersionResponse) error {
	return s.store.SetLocalListVersion(ctx, cmd.ChargeBoxID, resp.ListVersion, s.now())
}

func reserveNowEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.ReserveNowRequest, resp *ocpp.ReserveNowResponse) error {
	if resp.Status != ocpp.ReservationStatusAccepted {
		return nil
	}
	return s.store.PutReservation(ctx, store.Reservation{
		ChargeBoxID: cmd.ChargeBoxID, ReservationID: req.ReservationID, ConnectorID: req.ConnectorID,
		IDTag: req.IDTag, ParentIDTag: req.ParentIDTag, CommandID: cmd.CommandID, CreatedAt: store.FormatTime(s.now()),
	}, req.ExpiryDate.Time)
}

func cancelReservationEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.CancelReservationRequest, resp *ocpp.CancelReservationResponse) error {
	if resp.Status != ocpp.CancelReservationStatusAccepted {
		return nil
	}
	_, err := s.store.CancelReservation(ctx, cmd.ChargeBoxID, req.ReservationID, s.now())
	return err
}

func setChargingProfileEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.SetChargingProfileRequest, resp *ocpp.SetChargingProfileResponse) error {
	if resp.Status != ocpp.ChargingProfileStatusAccepted {
		return nil
	}
	profile, err := json.Marshal(req.CsChargingProfiles)
	if err != nil {
		return fmt.Errorf("encode charging profile: %w", err)
	}
	p := req.CsChargingProfiles
	return s.store.PutChargingProfile(ctx, store.ChargingProfile{
		ChargeBoxID: cmd.ChargeBoxID, ConnectorID: req.ConnectorID, ChargingProfileID: p.ChargingProfileID,
		StackLevel: p.StackLevel, Purpose: string(p.ChargingProfilePurpose), Profile: string(profile),
		CommandID: cmd.CommandID, SetAt: store.FormatTime(s.now()),
	})
}

func clearChargingProfileEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.ClearChargingProfileRequest, resp *ocpp.ClearChargingProfileResponse) error {
	if resp.Status != ocpp.ClearChargingProfileStatusAccepted {
		return nil
	}
	_, err := s.store.ClearChargingProfiles(ctx, cmd.ChargeBoxID, store.ProfileFilter{
		ID: req.ID, ConnectorID: req.ConnectorID, Purpose: string(req.ChargingProfilePurpose), StackLevel: req.StackLevel,
	})
	return err
}

func changeAvailabilityEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.ChangeAvailabilityRequest, resp *ocpp.ChangeAvailabilityResponse) error {
	if resp.Status != ocpp.AvailabilityStatusAccepted && resp.Status != ocpp.AvailabilityStatusScheduled {
		return nil
	}
	return s.store.SetAvailability(ctx, cmd.ChargeBoxID, req.ConnectorID, store.Availability{
		Type: string(req.Type), Status: string(resp.Status), At: store.FormatTime(s.now()),
	})
}
