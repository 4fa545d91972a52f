# kiln's developer entry points. `make help` lists them.
GO       ?= go
FUZZTIME ?= 10s

.PHONY: help build demo test test-cacheverify testdeps e2e lint fuzz golden docs schema bench bench-scale bench-memory

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

# kiln uses no cgo: built without it, the binary is static and starts
# without the dynamic loader, half a millisecond of every run.
build: ## Build the kiln binary into bin/kiln.
	CGO_ENABLED=0 $(GO) build -o bin/kiln ./cmd/kiln

demo: build ## Build kiln and run it on the shipped examples, then on a broken definition.
	./bin/kiln validate examples/
	./bin/kiln build examples/ -o out
	./bin/kiln build examples/reference/kiln.yaml --explain-origin Deployment.spec.template.spec.containers[0].resources.requests.cpu
	./bin/kiln build examples/minimal/kiln.yaml --stdout
	./bin/kiln test examples/
	./bin/kiln rules image-pinned
	@echo '--- and on a definition with mistakes (exit code 2 is expected):'
	-@printf 'apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: demo, owner: team-demo}\nspec:\n  image: nginx:1.27\n  prot: 8080\n  resources: {memory: 256MB}\n' \
		| ./bin/kiln validate --stdin-filename demo/kiln.yaml -

test: testdeps ## Run the whole suite: unit tests, testscripts, golden and schema-drift checks.
	$(GO) test ./...
	@echo "make test: the API-server lane (e2e/) was not run; run make e2e (CI runs both)."

test-cacheverify: testdeps ## The whole suite again with KILN_DEBUG=cacheverify=1: every cache hit recomputed and compared.
	KILN_DEBUG=cacheverify=1 $(GO) test ./...

# Backstage's catalog validator, which compiler/catalog's tests run on every
# entry kiln writes, comes from npm at the versions package-lock.json pins.
# Without npm the test says loudly that it skipped (and fails under CI=true).
BACKSTAGE := compiler/catalog/testdata/backstage
# Grafana's published dashboard schema (@grafana/schema) and tsc, which
# compiler/dashboard's tests compile every dashboard kiln writes against.
GRAFANA := compiler/dashboard/testdata/grafana
testdeps: ## Install the test suite's npm packages (Backstage's validator, Grafana's schema) when npm is here.
	@if [ ! -d $(BACKSTAGE)/node_modules ] && command -v npm >/dev/null; then \
		cd $(BACKSTAGE) && npm ci --no-audit --no-fund; fi
	@if [ ! -d $(GRAFANA)/node_modules ] && command -v npm >/dev/null; then \
		cd $(GRAFANA) && npm ci --no-audit --no-fund; fi

e2e: ## Start a real etcd and kube-apiserver on loopback; dry-run every output against them.
	cd e2e && $(GO) test -count=1 -timeout 30m ./...

lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go' 'e2e/*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd e2e && $(GO) vet ./...

fuzz: ## Fuzz each loader, check, lint, the test parser, the fixes, the language server, report merge, the remote cache's records and --shard for FUZZTIME (default 10s).
	$(GO) test ./compiler/load -run '^$$' -fuzz '^FuzzLoadYAML$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/load -run '^$$' -fuzz '^FuzzLoadJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/load -run '^$$' -fuzz '^FuzzLoadCUE$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/load -run '^$$' -fuzz '^FuzzLoadJsonnet$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/check -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/lint -run '^$$' -fuzz '^FuzzLint$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/apptest -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/fix -run '^$$' -fuzz '^FuzzFixesKeepTheFileLoading$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lsp -run '^$$' -fuzz '^FuzzStream$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lsp -run '^$$' -fuzz '^FuzzCompletionContext$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/report -run '^$$' -fuzz '^FuzzMerge$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/remotecache -run '^$$' -fuzz '^FuzzDecodeRecord$$' -fuzztime $(FUZZTIME)
	$(GO) test ./workspace -run '^$$' -fuzz '^FuzzParseShard$$' -fuzztime $(FUZZTIME)
	$(GO) test ./compiler/importer -run '^$$' -fuzz '^FuzzImport$$' -fuzztime $(FUZZTIME)

golden: docs ## Rewrite golden files (testscripts, built examples, docs); review the diff before committing.
	$(GO) test ./cmd/kiln -run TestScripts -update
	$(GO) test ./compiler/build -run TestGolden -update

docs: ## Regenerate the generated docs: the rules reference, the SLA table, the parity table.
	$(GO) test ./cmd/kiln -run TestRulesDocUpToDate -update
	$(GO) test ./compiler/compile -run TestSLADoc -update
	$(GO) test ./compiler/emit -run TestOutputsDocUpToDate -update
	$(GO) test ./compiler/lint -run TestParity -update

schema: ## Regenerate schemas/app.schema.json from app.cue, the chart's values.schema.json, and the Kubernetes schemas from k8s.io/kubernetes.
	$(GO) test ./compiler/schema -run TestJSONSchemaUpToDate -update
	$(GO) test ./compiler/helm -run TestValuesSchemaUpToDate -update
	$(GO) run ./schemas/kube/gen

bench: ## Benchmarks; kiln check cold/warm over 1, 100 and 1000 apps beside its floors and conftest; start-up; lint.
	$(GO) test ./compiler/... -run '^$$' -bench . -benchmem
	$(GO) run ./cmd/kiln-bench -n 1,100,1000,5000 -runs 3
	./scripts/bench-startup.sh
	./scripts/bench-lint.sh

bench-scale: ## Past one machine: --base, --shard, four runners sharing an nginx remote cache, peak RSS, over 5000 and 10000 apps.
	$(GO) run ./cmd/kiln-bench -scale 5000,10000

bench-memory: ## Peak RSS of a cold check over 1000, 5000 and 10000 apps beside conftest's on the same manifests.
	$(GO) run ./cmd/kiln-bench -rss 1000,5000,10000
