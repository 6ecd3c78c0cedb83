package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Function names: each is a main package at functions/<name>, built to <AssetDir>/<name>/bootstrap.
const (
	FnAuthorizer = "authorizer"
	FnConnect    = "connect"
	FnMessage    = "message"
	FnDisconnect = "disconnect"
	FnAPI        = "api"
	FnPublisher  = "publisher"
)

type functionSpec struct {
	name        string
	description string
	timeout     time.Duration
	memoryMB    int
	// management: the function gets MANAGEMENT_ENDPOINT.
	management bool
}

// functionSpecs lists every function. Timeouts: WebSocket and HTTP integrations give up after
// 29 s; the API waits up to CommandWaitMax (at most 25 s) for a charge box's answer.
var functionSpecs = []functionSpec{
	{FnAuthorizer, "WebSocket $connect authorizer: charge box identity and Basic auth", 10 * time.Second, 256, false},
	{FnConnect, "WebSocket $connect: subprotocol, connection row", 10 * time.Second, 256, true},
	{FnMessage, "WebSocket $default: every OCPP-J frame from a charge box", 29 * time.Second, 512, true},
	{FnDisconnect, "WebSocket $disconnect: conditional connection cleanup", 10 * time.Second, 256, true},
	{FnAPI, "Operator HTTP API: remote commands, queries, registry", 29 * time.Second, 512, true},
	{FnPublisher, "DynamoDB Streams to Amazon MQ for RabbitMQ", 60 * time.Second, 256, false},
}

// Functions holds the Lambda functions with their roles and log groups, keyed by function name.
type Functions struct {
	ByName    map[string]awslambda.Function
	Roles     map[string]awsiam.Role
	LogGroups map[string]awslogs.LogGroup
	// FailureStore receives the stream batches the publisher's mappings gave up on, whole.
	FailureStore awss3.Bucket
	// Mappings are the publisher's event source mappings, one per table with a stream.
	Mappings []awslambda.CfnEventSourceMapping
}

// FunctionName is the deployed name of a function.
func FunctionName(stage, fn string) string { return "ocpp-" + stage + "-" + fn }

// commonEnvironment is what every function reads through shared/config.
func commonEnvironment(p CentralSystemStackProps) map[string]string {
	return map[string]string{
		"TABLE_PREFIX":        p.TablePrefix,
		"HEARTBEAT_INTERVAL":  seconds(p.HeartbeatInterval),
		"AUTO_REGISTER":       strconv.FormatBool(p.AutoRegister),
		"ACCEPT_UNKNOWN_TAGS": strconv.FormatBool(p.AcceptUnknownTags),
		"KNOWN_VENDOR_IDS":    strings.Join(p.KnownVendorIDs, ","),
		"DEFAULT_TENANT_ID":   p.DefaultTenantID,
		"MESSAGE_RETENTION":   duration(p.MessageRetention),
		"CONNECTION_TTL":      duration(p.ConnectionTTL),
		"COMMAND_WAIT":        seconds(p.CommandWait),
		"COMMAND_WAIT_MAX":    seconds(p.CommandWaitMax),
		"COMMAND_TTL":         duration(p.CommandTTL),
		"CLOCK_SKEW":          seconds(p.ClockSkew),
		"LOG_LEVEL":           p.LogLevel,
	}
}

// environment is commonEnvironment with the security extension's settings (security.go).
func environment(p CentralSystemStackProps) map[string]string {
	env := commonEnvironment(p)
	for k, v := range securityEnvironment(p.Security) {
		env[k] = v
	}
	return env
}

func newFunctions(scope constructs.Construct, p CentralSystemStackProps, ws *WebSocket, broker *Broker) *Functions {
	f := &Functions{ByName: map[string]awslambda.Function{}, Roles: map[string]awsiam.Role{}, LogGroups: map[string]awslogs.LogGroup{}}
	for _, spec := range functionSpecs {
		name := FunctionName(p.Stage, spec.name)
		id := strings.ToUpper(spec.name[:1]) + spec.name[1:]
		// No fixed name: a retained log group of a destroyed stage would block redeploying it.
		logGroup := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
			Retention:     p.LogRetention,
			RemovalPolicy: p.RemovalPolicy,
		})
		// An own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole,
		// which may write to every log group of the account.
		role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Lambda " + name),
		})
		logGroup.GrantWrite(role)

		env := environment(p)
		if spec.management {
			env["MANAGEMENT_ENDPOINT"] = ws.ManagementEndpoint
		}
		props := &awslambda.FunctionProps{
			FunctionName: jsii.String(name),
			Description:  jsii.String(spec.description),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(p.AssetDir, spec.name)), nil),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(spec.timeout.Seconds())),
			MemorySize:   jsii.Number(float64(spec.memoryMB)),
			Role:         role,
			LogGroup:     logGroup,
		}
		if spec.name == FnPublisher {
			publisherNetwork(scope, props, env, role, broker)
			publisherQueues(env, p.Publisher)
		}
		props.Environment = stringMap(env)
		f.ByName[spec.name] = awslambda.NewFunction(scope, jsii.String(id+"Function"), props)
		f.Roles[spec.name] = role
		f.LogGroups[spec.name] = logGroup
	}
	return f
}

// grant applies FunctionAccess to the functions' roles.
func (f *Functions) grant(scope constructs.Construct, t *Tables, ws *WebSocket, broker *Broker) {
	for _, spec := range functionSpecs {
		access, ok := FunctionAccess[spec.name]
		if !ok {
			panic(fmt.Sprintf("function %s: no entry in FunctionAccess", spec.name))
		}
		role := f.Roles[spec.name]
		statements, err := tableStatements(access, t)
		if err != nil {
			panic(fmt.Sprintf("function %s: %v", spec.name, err))
		}
		for _, s := range statements {
			role.AddToPrincipalPolicy(s)
		}
		if access.ManageConnections {
			role.AddToPrincipalPolicy(ws.manageConnectionsStatement(scope))
		}
		if access.BrokerSecret {
			broker.Secret.GrantRead(role, nil)
		}
	}
}

func stringMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
