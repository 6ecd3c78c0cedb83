package store

import (
	"fmt"
	"testing"
)

// FuzzPackMeterValues: whatever the element count and sizes, packing keeps every element in
// order, every item within maxPackBytes (an element alone may be larger only if it is larger
// itself), the number of items bounded by the size, and the keys independent of the uniqueId.
func FuzzPackMeterValues(f *testing.F) {
	f.Add(uint16(1912), uint16(1), uint8(1))
	f.Add(uint16(40), uint16(20000), uint8(2))
	f.Add(uint16(0), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, elements, valueLen uint16, perElement uint8) {
		n := int(elements) % 5000
		mv := MeterValues{ChargeBoxID: "CB", ConnectorID: 1, TransactionID: 7, UniqueID: "u1"}
		total := 0
		for i := range n {
			v := MeterValue{Timestamp: fmt.Sprintf("2026-11-23T10:%02d:%02d.000000000Z", i/60%60, i%60)}
			for j := range int(perElement) % 8 {
				v.SampledValues = append(v.SampledValues, SampledValue{Value: string(make([]byte, int(valueLen)%30000)), Measurand: fmt.Sprint(j)})
			}
			total += valueSize(v)
			mv.Values = append(mv.Values, v)
		}
		got := packs(mv)
		seen := 0
		for _, p := range got {
			size := 0
			for _, v := range p {
				if v.Timestamp != mv.Values[seen].Timestamp || len(v.SampledValues) != len(mv.Values[seen].SampledValues) {
					t.Fatalf("element %d out of order or changed", seen)
				}
				seen++
				size += valueSize(v)
			}
			if len(p) > 1 && size > maxPackBytes {
				t.Fatalf("item of %d elements holds %d bytes > %d", len(p), size, maxPackBytes)
			}
		}
		if seen != n {
			t.Fatalf("%d of %d elements packed", seen, n)
		}
		if bound := 2*total/maxPackBytes + 1; n > 0 && len(got) > bound {
			t.Fatalf("%d items for %d bytes, bound %d", len(got), total, bound)
		}
		again := mv
		again.UniqueID = "u2"
		for i, p := range packs(again) {
			if PackKey(1, 7, p) != PackKey(1, 7, got[i]) {
				t.Fatalf("item %d key depends on the uniqueId", i)
			}
		}
	})
}
