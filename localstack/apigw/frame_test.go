package apigw

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
)

// frame builds a masked client frame with a payload of n bytes.
func frame(opcode byte, fin bool, n int) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	var h []byte
	switch {
	case n < 126:
		h = []byte{b0, 0x80 | byte(n)}
	case n <= 0xffff:
		h = []byte{b0, 0x80 | 126, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(n))
	default:
		h = make([]byte, 10)
		h[0], h[1] = b0, 0x80|127
		binary.BigEndian.PutUint64(h[2:], uint64(n))
	}
	h = append(h, 1, 2, 3, 4) // mask key
	return append(h, bytes.Repeat([]byte{'p'}, n)...)
}

// chunkConn returns a stream in chunks of a fixed size.
type chunkConn struct {
	net.Conn
	data  []byte
	chunk int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(c.chunk, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestFrameLimiter(t *testing.T) {
	const limit = 1000
	cat := func(fs ...[]byte) []byte { return bytes.Join(fs, nil) }
	tests := []struct {
		name    string
		stream  []byte
		okBytes int // bytes that must pass before the limiter trips; -1 when it must not trip
	}{
		{"small frames", cat(frame(1, true, 10), frame(2, true, 200), frame(9, true, 4)), -1},
		{"frame at the limit", cat(frame(1, true, limit)), -1},
		{"fragments each below the limit", cat(frame(1, false, 900), frame(0, false, 900), frame(0, true, 900)), -1},
		{"16-bit length over the limit", cat(frame(1, true, 10), frame(1, true, limit+1)), len(frame(1, true, 10))},
		{"64-bit length over the limit", cat(frame(2, true, 70000)), 0},
		{"oversize continuation", cat(frame(1, false, 500), frame(0, true, 5000)), len(frame(1, false, 500))},
		{"empty payloads", cat(frame(1, true, 0), frame(10, true, 0), frame(1, true, 0)), -1},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 7, 4096, 1 << 20} {
			src := &chunkConn{data: tt.stream, chunk: chunk}
			f := newFrameLimiter(src, limit)
			got, err := io.ReadAll(f)
			if tt.okBytes < 0 {
				if err != nil || !bytes.Equal(got, tt.stream) {
					t.Errorf("%s, chunk %d: passed %d of %d bytes, err %v", tt.name, chunk, len(got), len(tt.stream), err)
				}
				continue
			}
			if !errors.Is(err, errFrameTooLarge) {
				t.Errorf("%s, chunk %d: err %v, want errFrameTooLarge", tt.name, chunk, err)
			}
			// Bytes of the oversize frame's header may pass when it spans chunks, never its payload.
			if len(got) < tt.okBytes || len(got) > tt.okBytes+14 || !bytes.Equal(got, tt.stream[:len(got)]) {
				t.Errorf("%s, chunk %d: passed %d bytes, want the %d before the oversize frame", tt.name, chunk, len(got), tt.okBytes)
			}
		}
	}
}
