package publish_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/publish"
)

// frameBatch is a stream batch of 100 frame-log rows (two frames each) from the given boxes.
func frameBatch(boxes []string, batch int) events.DynamoDBEvent {
	var ev events.DynamoDBEvent
	for i := range 100 {
		box := boxes[i%len(boxes)]
		uid := fmt.Sprintf("%d-%d", batch, i)
		frame := func(dir, raw string, typ int) events.DynamoDBAttributeValue {
			return events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
				"direction": events.NewStringAttribute(dir), "raw": events.NewStringAttribute(raw),
				"messageType": events.NewNumberAttribute(fmt.Sprint(typ)), "uniqueId": events.NewStringAttribute(uid),
				"action": events.NewStringAttribute("Heartbeat"), "occurredAt": events.NewStringAttribute("2025-06-01T10:00:00.000000000Z"),
			})
		}
		seq := events.NewStringAttribute(fmt.Sprintf("2025-06-01T10:00:00.000000000Z#%s#from-box", uid))
		ev.Records = append(ev.Records, events.DynamoDBEventRecord{
			EventName: "INSERT", EventSource: "aws:dynamodb",
			Change: events.DynamoDBStreamRecord{
				SequenceNumber: fmt.Sprintf("%d%05d", batch, i),
				Keys:           map[string]events.DynamoDBAttributeValue{"chargeBoxId": events.NewStringAttribute(box), "seq": seq},
				NewImage: map[string]events.DynamoDBAttributeValue{
					"chargeBoxId": events.NewStringAttribute(box), "seq": seq, "kind": events.NewStringAttribute("frames"),
					"tenantId": events.NewStringAttribute("t"), "connectionId": events.NewStringAttribute("c"),
					"occurredAt": events.NewStringAttribute("2025-06-01T10:00:00.000000000Z"),
					"frames": events.NewListAttribute([]events.DynamoDBAttributeValue{
						frame("from-box", `[2,"`+uid+`","Heartbeat",{}]`, 2), frame("to-box", `[3,"`+uid+`",{"currentTime":"2025-06-01T10:00:00Z"}]`, 3),
					}),
				},
			},
		})
	}
	return ev
}

// BenchmarkPublishThroughput runs the handler on batches of 100 rows against the real broker:
// messages confirmed per second, with the rows spread over 1, 10 or 100 boxes. The handler
// publishes a whole batch and then awaits its confirms, so the spread no longer matters (before,
// a box's next message waited for the previous one's confirm: docs/scale.md has both figures).
// One invocation at a time, as the event source mapping runs one per shard.
func BenchmarkPublishThroughput(b *testing.B) {
	url := bustest.URL(b)
	bustest.UseBroker(b)
	bustest.NewConsumer(b, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyFrames})
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("boxes=%d", n), func(b *testing.B) {
			var boxes []string
			for range n {
				boxes = append(boxes, bustest.Name("CB-BENCH-"))
			}
			pub := bus.NewAMQP(bus.StaticURL(url), nil)
			defer pub.Close()
			h := publish.NewHandler(pub, nil, nil)
			batches := make([]events.DynamoDBEvent, b.N)
			for i := range batches {
				batches[i] = frameBatch(boxes, i)
			}
			b.ResetTimer()
			for i := range b.N {
				resp, err := h(context.Background(), batches[i])
				if err != nil || len(resp.BatchItemFailures) > 0 {
					b.Fatalf("batch %d: %v, %d failures", i, err, len(resp.BatchItemFailures))
				}
			}
			b.ReportMetric(float64(200*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPublishFrameToConsumer measures the delay from writing a frame-log row to DynamoDB
// Local until a consumer holds both of its messages, through the stream reader, the handler
// and RabbitMQ, with the reader polling every 50ms and every 250ms (Lambda's pace).
func BenchmarkPublishFrameToConsumer(b *testing.B) {
	for _, poll := range []time.Duration{50 * time.Millisecond, 250 * time.Millisecond} {
		b.Run("poll="+poll.String(), func(b *testing.B) {
			h := newHarness(b, harnessOptions{poll: poll})
			s := newScript(b, h.st, bustest.Name("CB-LAT-"))
			delays := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				s.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
				h.consumer.WaitFor(30*time.Second, "the frames", func(ds []amqp.Delivery) bool { return len(ds) >= 2*(i+1) })
				delays = append(delays, time.Since(start))
			}
			slices.Sort(delays)
			var total time.Duration
			for _, d := range delays {
				total += d
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(total/time.Duration(len(delays))), "ms-mean")
			b.ReportMetric(ms(delays[len(delays)/2]), "ms-p50")
			b.ReportMetric(ms(delays[len(delays)*95/100]), "ms-p95")
			b.ReportMetric(0, "ns/op") // the wall time per op is the delay itself, reported above
		})
	}
}
