package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// BackfillListShards is the one-off admin export run after the deploy that added the listing
// indexes: it scans the tables whose fleet-wide listings read a byShard or live index and gives
// every item written before them its listShard (items without one are in no listing). Each
// write is conditioned on the attribute being absent, so a concurrent write by the current code
// wins and a second run changes nothing. It returns how many items it changed. The api function
// runs it on {"backfill": true} (docs/scale.md).
func (s *Store) BackfillListShards(ctx context.Context) (int, error) {
	shardN := func(id string) types.AttributeValue { return num(int64(ListShard(id))) }
	jobs := []struct {
		table tables.Table
		value func(map[string]types.AttributeValue) types.AttributeValue
	}{
		{tables.Connections, func(it map[string]types.AttributeValue) types.AttributeValue {
			return shardN(strAttr(it, "chargeBoxId"))
		}},
		{tables.Reservations, func(it map[string]types.AttributeValue) types.AttributeValue {
			return shardN(strAttr(it, "chargeBoxId"))
		}},
		{tables.IDTags, func(it map[string]types.AttributeValue) types.AttributeValue {
			return num(int64(TagShard(strAttr(it, "idTag"))))
		}},
		{tables.ChargeBoxes, func(it map[string]types.AttributeValue) types.AttributeValue {
			return str(registryShard(strAttr(it, "chargeBoxId"), strAttr(it, "passwordHash") == ""))
		}},
		{tables.Sessions, func(it map[string]types.AttributeValue) types.AttributeValue {
			return str(sessionShard(strAttr(it, "chargeBoxId"), strAttr(it, "runningChargeBoxId") != ""))
		}},
	}
	changed := 0
	for _, job := range jobs {
		p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{
			TableName: s.Table(job.table), FilterExpression: aws.String("attribute_not_exists(listShard)"),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return changed, fmt.Errorf("backfill %s: %w", job.table.Name, err)
			}
			for _, it := range page.Items {
				key := map[string]types.AttributeValue{job.table.PartitionKey.Name: it[job.table.PartitionKey.Name]}
				if job.table.SortKey != nil {
					key[job.table.SortKey.Name] = it[job.table.SortKey.Name]
				}
				_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: s.Table(job.table), Key: key,
					UpdateExpression:          aws.String("SET listShard = :v"),
					ConditionExpression:       aws.String("attribute_exists(" + job.table.PartitionKey.Name + ") AND attribute_not_exists(listShard)"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": job.value(it)},
				})
				if isConditionFailed(err) {
					continue
				}
				if err != nil {
					return changed, fmt.Errorf("backfill %s: %w", job.table.Name, err)
				}
				changed++
			}
		}
	}
	return changed, nil
}
