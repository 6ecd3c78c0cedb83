// Command consume is the RabbitMQ consumer of docs/messages.md, runnable against `make local`:
// it binds a queue to every routing key, prints each message once and drops a redelivered copy
// by its message_id.
//
//	go run ./localstack/tools/cmd/consume              # AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/
//	go run ./localstack/tools/cmd/consume -max 5       # stop after 5 distinct messages
//	go run ./localstack/tools/cmd/consume -queue mine  # a durable queue that keeps messages while you are away
//	go run ./localstack/tools/cmd/consume -queue mine -bind-only  # declare and bind it, then exit
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	amqp "github.com/rabbitmq/amqp091-go"
)

func main() {
	queue := flag.String("queue", "", "durable queue to declare and bind (empty: a temporary one, deleted when this ends)")
	max := flag.Int("max", 0, "stop after this many distinct messages (0: never)")
	bindOnly := flag.Bool("bind-only", false, "declare and bind the queue, then exit (with -queue: it collects messages from now on)")
	flag.Parse()
	url := os.Getenv("AMQP_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	if err != nil {
		log.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		log.Fatalf("channel: %v", err)
	}
	// Declare what the publisher declares (so the order of starting does not matter), then
	// bind before charge boxes connect: unroutable messages are dropped.
	bindings := []struct{ exchange, key string }{
		{"ocpp", "ocpp.msgs"}, {"ocpp", "ocpp.connection-events"}, {"sessions", "sessions.raw"},
	}
	temporary := *queue == ""
	q, err := ch.QueueDeclare(*queue, !temporary, temporary, temporary, false, nil)
	if err != nil {
		log.Fatalf("declare queue: %v", err)
	}
	for _, b := range bindings {
		if err := ch.ExchangeDeclare(b.exchange, amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
			log.Fatalf("declare exchange %s: %v", b.exchange, err)
		}
		if err := ch.QueueBind(q.Name, b.key, b.exchange, false, nil); err != nil {
			log.Fatalf("bind %s: %v", b.key, err)
		}
	}
	if *bindOnly {
		fmt.Fprintf(os.Stderr, "queue %s bound to ocpp.msgs, ocpp.connection-events, sessions.raw\n", q.Name)
		return
	}
	fmt.Fprintf(os.Stderr, "consuming from queue %s, bound to ocpp.msgs, ocpp.connection-events, sessions.raw\n", q.Name)
	msgs, err := ch.Consume(q.Name, "", false, false, false, false, nil)
	if err != nil {
		log.Fatalf("consume: %v", err)
	}
	// Delivery is at least once: remember the ids (a real consumer keeps them 24 h or more,
	// in a store) and drop a message already seen.
	seen := map[string]bool{}
	for m := range msgs {
		if !seen[m.MessageId] {
			seen[m.MessageId] = true
			fmt.Printf("%s %s %s\n", m.RoutingKey, m.MessageId, m.Body)
		}
		if err := m.Ack(false); err != nil {
			log.Fatalf("ack: %v", err)
		}
		if *max > 0 && len(seen) >= *max {
			return
		}
	}
}
