package simulator

import (
	"errors"
	"fmt"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// traceLine writes one line to Config.Trace, stamped with the time and the box's identity.
func (b *box) traceLine(s string) {
	if b.cfg.Trace == nil {
		return
	}
	fmt.Fprintf(b.cfg.Trace, "%s %s %s\n", time.Now().Format("15:04:05.000"), b.id, s)
}

// trace writes one CALL the box sent and what came back: the answer frame or why none came.
func (b *box) trace(verb string, sent []byte, answer ocpp.Frame, err error) {
	if b.cfg.Trace == nil {
		return
	}
	var got string
	switch {
	case errors.Is(err, errTimeout):
		got = "no answer in time"
	case err != nil:
		got = "no answer: " + err.Error()
	case answer.Type == ocpp.TypeCallError:
		got = fmt.Sprintf("CALLERROR %s %q", answer.ErrorCode, answer.ErrorDescription)
	default:
		got = "got " + string(answer.Payload)
	}
	b.traceLine(verb + " " + string(sent) + " -> " + got)
}
