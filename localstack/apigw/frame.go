package apigw

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
)

// errFrameTooLarge ends a connection whose client sent a data frame above MaxFrameBytes.
var errFrameTooLarge = errors.New("websocket frame exceeds the frame size limit")

// frameLimiter sits between the socket and gorilla/websocket and watches the client's frame
// headers. gorilla reassembles fragmented messages and only bounds whole messages; API Gateway
// also bounds every frame (32 KiB), so the limit is checked on the raw stream. Once a data
// frame declares a longer payload, the limiter hands gorilla only the bytes before that frame
// and then fails every read, so the oversize frame never reaches a handler.
type frameLimiter struct {
	net.Conn
	max uint64

	hdr       [14]byte // frame header being parsed: 2 fixed, up to 8 length, 4 mask key
	hdrN      int      // header bytes collected
	hdrNeed   int      // full header length once the second byte is known; 0 before
	remaining uint64   // payload bytes of the current frame still to pass through
	err       error    // sticky once the limit is exceeded
}

func newFrameLimiter(c net.Conn, maxFrame int) *frameLimiter {
	return &frameLimiter{Conn: c, max: uint64(maxFrame)}
}

// Read passes bytes through unchanged while tracking frame boundaries.
func (f *frameLimiter) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.Conn.Read(p)
	if cut, bad := f.scan(p[:n]); bad {
		f.err = errFrameTooLarge
		if cut == 0 {
			return 0, f.err
		}
		return cut, nil
	}
	return n, err
}

// scan consumes b; when a frame over the limit completes its header it reports bad and how
// many bytes of b came before that frame's header (0 when the header began in an earlier
// chunk, which gorilla then never completes).
func (f *frameLimiter) scan(b []byte) (cut int, bad bool) {
	for i := 0; i < len(b); {
		if f.remaining > 0 {
			skip := uint64(len(b) - i)
			if skip > f.remaining {
				skip = f.remaining
			}
			f.remaining -= skip
			i += int(skip)
			continue
		}
		f.hdr[f.hdrN] = b[i]
		f.hdrN++
		i++
		if f.hdrN == 2 {
			f.hdrNeed = 2
			switch f.hdr[1] & 0x7f {
			case 126:
				f.hdrNeed += 2
			case 127:
				f.hdrNeed += 8
			}
			if f.hdr[1]&0x80 != 0 {
				f.hdrNeed += 4
			}
		}
		if f.hdrN < 2 || f.hdrN < f.hdrNeed {
			continue
		}
		var length uint64
		switch l := f.hdr[1] & 0x7f; l {
		case 126:
			length = uint64(binary.BigEndian.Uint16(f.hdr[2:4]))
		case 127:
			length = binary.BigEndian.Uint64(f.hdr[2:10])
		default:
			length = uint64(l)
		}
		opcode := f.hdr[0] & 0x0f
		// Opcodes 0 (continuation), 1 (text) and 2 (binary) carry data; control frames are
		// bounded at 125 bytes by gorilla itself.
		if opcode <= 2 && length > f.max {
			return max(i-f.hdrN, 0), true
		}
		f.remaining = length
		f.hdrN, f.hdrNeed = 0, 0
	}
	return 0, false
}

// hijackWriter hands gorilla/websocket a frameLimiter instead of the bare connection.
type hijackWriter struct {
	http.ResponseWriter
	maxFrame int
	limiter  *frameLimiter
}

// Hijack implements http.Hijacker.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response writer cannot hijack the connection")
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.limiter = newFrameLimiter(c, h.maxFrame)
	if brw.Reader.Buffered() > 0 {
		// The client sent frames before the handshake completed; gorilla refuses that case
		// itself, so the buffered bytes need no scanning.
		return h.limiter, brw, nil
	}
	return h.limiter, bufio.NewReadWriter(bufio.NewReader(h.limiter), brw.Writer), nil
}
