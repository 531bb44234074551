# Birgemiz Hub. CI (.ci/run) calls these targets.
GO ?= go

.PHONY: help generate verify lint test bench benchmark demo build coldstart

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

generate: ## regenerate gqlgen code from schema.graphqls and gqlgen.yml
	$(GO) tool gqlgen generate

verify: generate lint ## regenerate and fail when generated code or go.mod is stale
	$(GO) mod tidy
	git diff --exit-code -- graph/ go.mod go.sum || (echo "generated code or go.mod is stale: run 'make generate' and 'go mod tidy', then commit" >&2; exit 1)

lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: ## the tests (the README's test command)
	$(GO) test ./...

bench: ## benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

SCALE ?= region
benchmark: ## the hub against PostGraphile 5 and bare PostgreSQL under load, SCALE=national|region|demo (scripts/benchmark, BENCHMARKS.md)
	scripts/benchmark $(SCALE)

build: ## build the hub binary
	$(GO) build -o hub ./cmd/hub

demo: ## load the demo data and serve it (the README's first command)
	$(GO) run ./cmd/hub demo

coldstart: ## time the README's first command on empty caches and a new database (scripts/coldstart)
	scripts/coldstart 3
