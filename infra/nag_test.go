package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// The AwsSolutions rule pack of cdk-nag runs as an aspect on the test App (TestMain) over every
// stack the tests build. Any error it reports that nagSuppress (nag.go) does not suppress, with
// its reason, fails here.
func TestNagAwsSolutions(t *testing.T) {
	for _, s := range []*CentralSystemStack{dev, prod, ext, pub, con, mtls} {
		t.Run(s.Props.Stage, func(t *testing.T) {
			errs := assertions.Annotations_FromStack(s.Stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
			var lines []string
			for _, m := range *errs {
				// Through JSON: the fields of cxapi.SynthesisMessage are marked deprecated.
				var msg struct {
					ID    string `json:"id"`
					Entry struct {
						Data any `json:"data"`
					} `json:"entry"`
				}
				b, err := json.Marshal(m)
				if err == nil {
					err = json.Unmarshal(b, &msg)
				}
				if err != nil {
					t.Fatalf("decode annotation: %v", err)
				}
				lines = append(lines, fmt.Sprintf("%s: %v", msg.ID, msg.Entry.Data))
			}
			sort.Strings(lines)
			for _, l := range lines {
				t.Errorf("unsuppressed cdk-nag error at %s", l)
			}
		})
	}
}
