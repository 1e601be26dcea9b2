# berth — developer tasks. `make demo` and `make test` are the README's two
# setup commands; .ci/run calls `make test`.

GO      ?= go
BIN     := $(CURDIR)/bin
TOOLS   := $(BIN)/tools
PKG     := github.com/berth-dev/berth
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS := -s -w -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT) -X $(PKG)/internal/version.Date=$(DATE)

# The Helm CLI used by interop tests is the version go.mod pins.
HELM_VERSION = $(shell $(GO) list -m -f '{{.Version}}' helm.sh/helm/v3)
HELM         = $(TOOLS)/helm-$(HELM_VERSION)/helm
# crane (go-containerregistry's CLI, the version go.mod pins) for the build bench.
CRANE_VERSION = $(shell $(GO) list -m -f '{{.Version}}' github.com/google/go-containerregistry)
CRANE         = $(TOOLS)/crane-$(CRANE_VERSION)/crane

export PATH := $(TOOLS)/bin:$(PATH)

.PHONY: all build test demo bench fuzz tools fmt-check vet clean help sandbox-build sandbox-up sandbox-down sandbox-status lint-scripts

all: build

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/berth with version stamping
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/berth ./cmd/berth

tools: $(HELM) ## install the tools tests use (Helm CLI) into bin/tools
	@mkdir -p $(TOOLS)/bin && ln -sf $(HELM) $(TOOLS)/bin/helm

$(HELM):
	GOBIN=$(dir $(HELM)) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(CRANE):
	GOBIN=$(dir $(CRANE)) $(GO) install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)

fmt-check: ## fail when gofmt would change a file
	@out=$$(gofmt -l cmd internal charts test); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet ./...

# make test fuzzes each target this long (a crash fails it).
TEST_FUZZTIME ?= 15s

test: tools fmt-check vet ## everything CI runs: gofmt, vet, shellcheck, all tests, each fuzz target for TEST_FUZZTIME
	scripts/test-deps
	@if command -v shellcheck >/dev/null; then $(MAKE) --no-print-directory lint-scripts; \
	elif [ -n "$$CI" ]; then echo "shellcheck is missing (scripts/test-deps installs it as root)" >&2; exit 1; \
	else echo "shellcheck not installed: the scripts were not linted" >&2; fi
	$(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

demo: build ## berth's main job: deploy examples/guestbook to the sandbox's real node and fetch its page (knote on kwok without root)
	scripts/demo

bench: build tools $(CRANE) ## benchmarks: render vs helm template, deploy vs kubectl apply, rollout, build+push vs crane, the real node (up, deploy to Ready, RSS), Go benchmarks
	scripts/bench
	scripts/bench-deploy
	scripts/bench-rollout
	CRANE=$(CRANE) scripts/bench-build
	scripts/bench-realnode

# Every native fuzz target, as PACKAGE:TARGET (go test -fuzz takes one
# target of one package per run). Their seed corpora are committed under
# each package's testdata/fuzz and also run by plain `go test`.
FUZZ_TARGETS := \
	./internal/config:FuzzParse \
	./internal/config:FuzzExpand \
	./internal/config:FuzzReplaceSecrets \
	./internal/build:FuzzDockerfile \
	./internal/build:FuzzExpansionBound \
	./internal/compose:FuzzImport

fuzz: ## run each fuzz target for FUZZTIME (default 30s; make test runs each for TEST_FUZZTIME)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $${t#*:} ($${t%%:*}, $(or $(FUZZTIME),30s))"; \
		$(GO) test $${t%%:*} -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(or $(FUZZTIME),30s) -parallel 2; \
	done

sandbox-build: ## build the local control-plane binaries (once; about 8 minutes cold on 2 cores, cached in ~/.cache/berth-sandbox)
	scripts/sandbox build

sandbox-up: ## start a local sandbox cluster; prints its kubeconfig
	scripts/sandbox up

sandbox-down: ## stop the local sandbox cluster
	scripts/sandbox down

sandbox-status: ## is the local sandbox running?
	scripts/sandbox status

lint-scripts: ## shellcheck the scripts (apt-get install -y shellcheck)
	shellcheck scripts/sandbox scripts/demo scripts/bench scripts/bench-deploy scripts/bench-rollout scripts/bench-build scripts/bench-realnode scripts/test-deps .ci/run

clean: ## remove build output
	rm -rf $(BIN) dist
