package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// dayFormat is the form of a command's day: the UTC date, the first ten characters of a
// stored timestamp.
const dayFormat = "2006-01-02"

// commandDay is the byDay partition of a command created at createdAt (FormatTime form).
func commandDay(createdAt string) string {
	if len(createdAt) < len(dayFormat) {
		return ""
	}
	return createdAt[:len(dayFormat)]
}

// MaxCommandWindow is the longest window ListCommands reads: one Query per day at most, so a
// page costs at most 32 Queries besides the items it reads.
const MaxCommandWindow = 31 * 24 * time.Hour

// ListChargeBoxCommands lists the commands of one box newest first, from the byChargeBox index:
// one Query per page, never another box's commands.
func (s *Store) ListChargeBoxCommands(ctx context.Context, box string, p Page) ([]Command, string, error) {
	pos := indexPosition(tables.Commands, "byChargeBox").in("chargeBoxId", box)
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	var u update
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: s.Table(tables.Commands), IndexName: aws.String("byChargeBox"),
		KeyConditionExpression:   aws.String(u.cond("%s = ", "chargeBoxId") + u.value(str(box))),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start, Limit: limit(p.Limit),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list commands of %s: %w", box, err)
	}
	var out []Command
	next, err := pos.page(res.Items, res.LastEvaluatedKey, &out, "commands")
	return out, next, err
}

// ListCommands lists the fleet's commands created from from to to (inclusive) newest first,
// from the byDay index: the days of the window are read newest first, createdAt bounded in the
// key condition, so a page reads only commands of the window and at most one Query per day.
// A token belongs to its window: pages after the first must ask for the same from and to.
func (s *Store) ListCommands(ctx context.Context, from, to time.Time, p Page) ([]Command, string, error) {
	if to.Before(from) || to.Sub(from) > MaxCommandWindow {
		return nil, "", fmt.Errorf("list commands: window %s to %s is not 0 to %s long", from, to, MaxCommandWindow)
	}
	lo, hi := FormatTime(from), FormatTime(to)
	q := sharded{table: tables.Commands, index: "byDay", key: "day", newestFirst: true}
	for d := to.UTC(); ; d = d.AddDate(0, 0, -1) {
		day := d.Format(dayFormat)
		if day < commandDay(lo) {
			break
		}
		q.parts = append(q.parts, day)
	}
	q.sortCond = q.u.cond("%s BETWEEN ", "createdAt") + q.u.value(str(lo)) + " AND " + q.u.value(str(hi))
	q.bound = func(pos position) position { return pos.between("createdAt", lo, hi) }
	var out []Command
	next, err := s.listSharded(ctx, q, p, &out)
	return out, next, err
}
