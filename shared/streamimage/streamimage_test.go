package streamimage_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamstypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/serverless-ocpp/csms/shared/streamimage"
)

// want is every attribute kind in the DynamoDB JSON a Lambda stream event carries.
const want = `{"b":{"B":"AQ=="},"bool":{"BOOL":true},"bs":{"BS":["Aw=="]},"l":{"L":[{"N":"7"}]},` +
	`"m":{"M":{"in":{"S":"y"}}},"n":{"N":"1.5"},"ns":{"NS":["2"]},"null":{"NULL":true},"s":{"S":"x"},"ss":{"SS":["a"]}}`

func TestFromItemConvertsEveryAttributeKind(t *testing.T) {
	got := streamimage.FromItem(map[string]types.AttributeValue{
		"s": &types.AttributeValueMemberS{Value: "x"}, "n": &types.AttributeValueMemberN{Value: "1.5"},
		"b": &types.AttributeValueMemberB{Value: []byte{1}}, "bool": &types.AttributeValueMemberBOOL{Value: true},
		"ss": &types.AttributeValueMemberSS{Value: []string{"a"}}, "ns": &types.AttributeValueMemberNS{Value: []string{"2"}},
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{{3}}}, "null": &types.AttributeValueMemberNULL{Value: true},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "7"}}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"in": &types.AttributeValueMemberS{Value: "y"}}},
	})
	assertJSON(t, got, want)
}

func TestFromStreamsConvertsEveryAttributeKind(t *testing.T) {
	got := streamimage.FromStreams(map[string]streamstypes.AttributeValue{
		"s": &streamstypes.AttributeValueMemberS{Value: "x"}, "n": &streamstypes.AttributeValueMemberN{Value: "1.5"},
		"b": &streamstypes.AttributeValueMemberB{Value: []byte{1}}, "bool": &streamstypes.AttributeValueMemberBOOL{Value: true},
		"ss": &streamstypes.AttributeValueMemberSS{Value: []string{"a"}}, "ns": &streamstypes.AttributeValueMemberNS{Value: []string{"2"}},
		"bs": &streamstypes.AttributeValueMemberBS{Value: [][]byte{{3}}}, "null": &streamstypes.AttributeValueMemberNULL{Value: true},
		"l": &streamstypes.AttributeValueMemberL{Value: []streamstypes.AttributeValue{&streamstypes.AttributeValueMemberN{Value: "7"}}},
		"m": &streamstypes.AttributeValueMemberM{Value: map[string]streamstypes.AttributeValue{"in": &streamstypes.AttributeValueMemberS{Value: "y"}}},
	})
	assertJSON(t, got, want)
}

func TestNilImageStaysNil(t *testing.T) {
	if streamimage.FromItem(nil) != nil || streamimage.FromStreams(nil) != nil {
		t.Fatal("a missing image became an empty one")
	}
}

func assertJSON(t *testing.T, got any, want string) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Fatalf("image\n got %s\nwant %s", b, want)
	}
}
