# OCPP 1.6-J central system — the targets a newcomer needs. `make help` lists them.
SHELL := /bin/bash
GO ?= go
FUNCTIONS := authorizer connect message disconnect api publisher
LOCAL_DIR := $(CURDIR)/.local
export LOCAL_DIR
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.DEFAULT_GOAL := help
.PHONY: help local box test test-unit fuzz build lint fmt vet invoke clean synth bootstrap deploy simulate load bench calls cost lambda-perf storm capacity console

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Built, then run (not `go run`, which exits 1 after any Ctrl-C whatever the program returns).
local: console ## run the whole system on this machine (DynamoDB Local, gateway, HTTP API, publisher); Ctrl-C stops it
	@$(GO) build -o $(LOCAL_DIR)/bin/localstack ./localstack
	$(LOCAL_DIR)/bin/localstack run

ID ?= CP001

box: ## one simulated charge box ID (default CP001) at URL, connected until Ctrl-C; prints every frame it sends and receives
	@$(GO) build -o $(LOCAL_DIR)/bin/simulate ./localstack/tools/cmd/simulate
	$(LOCAL_DIR)/bin/simulate -id $(ID) -url $(URL) -duration 0 -manual -trace $(SIM_ARGS)

GOTESTSUM := $(GO) run gotest.tools/gotestsum@v1.13.0

test: console ## run every test against real local services (starts DynamoDB Local and RabbitMQ)
	$(GO) run ./localstack exec -- $(GOTESTSUM) --format pkgname-and-test-fails --format-hide-empty-pkg -- -count=1 -timeout 15m ./...

test-unit: console ## the tests that need no service: DynamoDB Local and RabbitMQ tests skip, the load test too (-short)
	CI=false DYNAMODB_ENDPOINT= AMQP_URL= $(GO) test -short ./...

fuzz: ## fuzz frame parsing, action decoding and MeterValues packing for FUZZTIME each (default 30s)
	$(GO) test -run '^$$' -fuzz '^FuzzParseFrame$$' -fuzztime $${FUZZTIME:-30s} ./shared/ocpp/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRequest$$' -fuzztime $${FUZZTIME:-30s} ./shared/ocpp/
	$(GO) test -run '^$$' -fuzz '^FuzzPackMeterValues$$' -fuzztime $${FUZZTIME:-30s} ./shared/store/

build: console ## build every Lambda (linux/arm64, provided.al2023) into build/<fn>/bootstrap and build/<fn>.zip
	@set -e; for fn in $(FUNCTIONS); do \
	  [ -d functions/$$fn ] || continue; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o build/$$fn/bootstrap ./functions/$$fn; \
	  (cd build/$$fn && rm -f ../$$fn.zip && zip -q -X ../$$fn.zip bootstrap 2>/dev/null || python3 -c "import zipfile,sys; z=zipfile.ZipFile('../$$fn.zip','w',zipfile.ZIP_DEFLATED); z.write('bootstrap'); z.close()"); \
	  echo "build/$$fn.zip $$(stat -c %s build/$$fn.zip) bytes"; \
	done

# The operator console (shared/console): npm ci when the lock file changed, then esbuild into
# shared/console/dist, which the local stack embeds and the CDK stack deploys (docs/console.md).
CONSOLE := shared/console
console: $(CONSOLE)/dist/index.html ## build the operator console into shared/console/dist (npm ci, esbuild)

$(CONSOLE)/node_modules/.package-lock.json: $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund --loglevel=error

$(CONSOLE)/dist/index.html: $(CONSOLE)/node_modules/.package-lock.json $(CONSOLE)/build.mjs $(wildcard $(CONSOLE)/web/*)
	cd $(CONSOLE) && node build.mjs

invoke: ## run one sample event through a handler on a throwaway DynamoDB Local (not make local's): make invoke FN=message EVENT=events/message/heartbeat.json
	@[ -n "$(FN)" ] && [ -n "$(EVENT)" ] || { echo "usage: make invoke FN=<function> EVENT=<file>"; exit 2; }
	$(GO) run ./localstack exec -- $(GO) run ./localstack/invoke -fn $(FN) -event $(EVENT)

CDK_VERSION := 2.1148.1
CDK := $(LOCAL_DIR)/node_modules/.bin/cdk
STAGE ?= dev
CDK_FLAGS = --no-notices -c stage=$(STAGE) -c assetDir=$(CURDIR)/build $(CDK_ARGS)
export CDK_DISABLE_CLI_TELEMETRY := true

$(CDK):
	npm install --prefix $(LOCAL_DIR) --no-audit --no-fund --loglevel=error aws-cdk@$(CDK_VERSION)

synth: build $(CDK) ## synthesize CloudFormation into infra/cdk.out (offline, no AWS credentials)
	cd infra && AWS_EC2_METADATA_DISABLED=true $(CDK) synth -q $(CDK_FLAGS)

bootstrap: build $(CDK) ## once per account and region: cdk bootstrap
	cd infra && $(CDK) bootstrap $(CDK_FLAGS)

deploy: build $(CDK) ## deploy stage STAGE (default dev) to the current AWS account and region
	cd infra && $(CDK) deploy $(CDK_FLAGS)

BOXES ?= 500
URL ?= ws://127.0.0.1:8080/ocpp
DURATION ?= 2m

simulate: ## BOXES simulated charge boxes against URL for DURATION (SIM_ARGS: -password, -misbehave, -timescale ...)
	$(GO) run ./localstack/tools/cmd/simulate -boxes $(BOXES) -url $(URL) -duration $(DURATION) $(SIM_ARGS)

replay: ## republish FROM..TO (RFC 3339; TO default now), optionally BOX: locally from DYNAMODB_ENDPOINT and FAILURE_DIR, with STAGE=<stage> through the deployed publisher (docs/messages.md, "Replay")
	$(GO) run ./localstack/tools/cmd/replay -from '$(FROM)' $(if $(TO),-to '$(TO)') $(if $(BOX),-box '$(BOX)') $(if $(STAGE),-stage '$(STAGE)')

load: ## 1,000 boxes x 5 min on the local stack; sessions stored and published once (LOAD_BOXES, LOAD_DURATION, LOAD_TIMESCALE); WRITE=1 into docs/performance.md
	$(GO) run ./localstack exec -- $(GO) run ./localstack/tools/cmd/load $(call writes,-doc docs/performance.md)

storm: ## connect storm: BOXES boxes (default 500; 5,000 for the docs) connect at once to the local stack; every one must boot, nothing lost, /summary right; WRITE=1 into docs/scale.md
	$(GO) run ./localstack exec -- $(GO) run ./localstack/tools/cmd/storm -boxes $(BOXES) $(call writes,-doc docs/scale.md)

capacity: ## load per second on every limited AWS resource for BOXES boxes (flags of make cost in ARGS), flagged above 50 %; WRITE=1 writes 1,000..1,000,000 into docs/scale.md
	$(GO) run ./localstack exec -- $(GO) run ./localstack/tools/cmd/capacity -boxes $(BOXES) $(call writes,-doc docs/scale.md) $(ARGS)

# The measuring targets print their tables; WRITE=1 also writes them into the tracked docs.
WRITE ?=
comma := ,
writes = $(if $(filter 1 true yes,$(WRITE)),$(1))

bench: ## benchmarks (parse, validate, dispatch, handlers on DynamoDB Local); WRITE=1 into docs/performance.md
	set -o pipefail; $(GO) run ./localstack exec -- $(GO) test -run '^$$' -bench . -benchmem -benchtime $${BENCHTIME:-1s} ./shared/ocpp/ ./shared/csms/ | $(GO) run ./localstack/tools/cmd/benchdoc $(call writes,-doc docs/performance.md)

calls: ## AWS calls per OCPP action beside localstack/tools/budget/budget.json; WRITE=1 into docs/performance.md
	$(GO) run ./localstack exec -- $(GO) run ./localstack/tools/cmd/calls $(call writes,-doc docs/performance.md)

cost: ## monthly AWS cost per charge box (ARGS="-boxes 5000 -sessions-per-day 8 ..."); WRITE=1 into docs/cost.md and docs/performance.md
	$(GO) run ./localstack exec -- $(GO) run ./localstack/tools/cmd/cost $(call writes,-docs docs/cost.md$(comma)docs/performance.md) $(ARGS)

lambda-perf: ## zip sizes and cold-start init time of every Lambda; WRITE=1 into docs/performance.md
	$(GO) run ./localstack exec -- $(GO) run ./localstack/tools/cmd/lambdaperf $(call writes,-doc docs/performance.md)

vet: ## go vet
	$(GO) vet ./...

fmt: ## gofmt -l (lists files needing formatting)
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "$$out"; exit 1; }

STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.7.0

lint: fmt vet ## gofmt, go vet, staticcheck (unused code included) and no function over 80 lines in shared/, functions/, infra/
	$(STATICCHECK) ./...
	$(GO) test -count=1 ./shared/funclen/

clean: ## remove build outputs
	rm -rf build cdk.out infra/cdk.out
