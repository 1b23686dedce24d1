# flowtap Makefile. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

GO_VERSION ?= 1.26
CLANG ?= clang-14
CLANG_FORMAT ?= clang-format-14
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BENCH_COUNT ?= 3
RUNS ?= 5
FUZZTIME ?= 30s
SAMPLE := testdata/sample.pcap
# Privileged tests run the test binaries through sudo unless make runs as root.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -E)
# The clang that generated the committed gen/ objects; bpf2go output
# depends on its version, so check-generated needs this one.
CLANG_BIN := $(shell command -v $(CLANG) 2>/dev/null || command -v clang 2>/dev/null)

##@ General
help: ## list the targets
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2} /^##@/ {printf "\n%s\n", substr($$0, 5)}' $(MAKEFILE_LIST)

##@ Build
build: ## build ./flowtap (no clang needed: gen/ is committed)
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o flowtap ./cmd/flowtap

generate: ## rebuild gen/ from bpf/ with bpf2go (needs clang)
	@echo "go: $$($(GO) version)"; echo "clang: $$($(CLANG_BIN) --version | head -1)"
	cd gen && BPF2GO_CC=$(CLANG_BIN) BPF2GO_CFLAGS="-O2 -g -Wall -Werror" $(GO) generate ./...

check-generated: generate ## regenerate gen/ and fail if it differs from the commit
	@git diff --exit-code -- gen/ || { echo "gen/ is not in sync with bpf/: run make generate and commit"; exit 1; }

sample: build ## regenerate the bundled sample capture from the generator
	./flowtap gen -o $(SAMPLE)

demo: build ## run the main job on the bundled sample capture into out/
	./flowtap -r $(SAMPLE) -w out/ --pd-opp --tcpwin-minpkts 1
	@echo; echo "outputs:"; ls -l out/sample_*

##@ Test
test: ## unit, golden, tshark and fuzz-seed tests with the race detector (no root)
	$(GO) test -race -count=1 ./...

test-privileged: ## the suite as root: BPF_PROG_RUN, live veth/netns tests; a skip fails (CI=true)
	CI=true $(GO) test -race -count=1 $(if $(SUDO),-exec '$(SUDO)') ./...

fuzz: ## run each fuzz target for FUZZTIME
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./userspace/datapath/
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME) ./userspace/capture/

bench-live: build ## live (root): veth packets/s with and without flowtap, capture efficacy by alarm rate
	RUNS=$(BENCH_COUNT) ./scripts/bench-live.sh

bench: build ## flowtap vs tcpdump on a generated 2M-packet capture, plus Go benchmarks
	RUNS=$(RUNS) ./scripts/bench.sh
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./userspace/... ./plugins/...

lint: ## gofmt, go vet, clang-format check of bpf/, vagrant validate
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@if command -v $(CLANG_FORMAT) >/dev/null; then $(CLANG_FORMAT) --dry-run --Werror bpf/*.[ch]; else echo "$(CLANG_FORMAT) not installed: bpf/ format not checked"; fi
	@if command -v vagrant >/dev/null; then vagrant validate; else echo "vagrant not installed: Vagrantfile not validated"; fi

fmt: ## format Go and bpf/ sources
	gofmt -w $$(git ls-files '*.go')
	@if command -v $(CLANG_FORMAT) >/dev/null; then $(CLANG_FORMAT) -i bpf/*.[ch]; fi

##@ VM
vagrant-test: ## run check-generated, test and test-privileged in the pinned VM
	vagrant up
	vagrant ssh -c 'cd /flowtap && make check-generated test test-privileged'

clean: ## remove binaries and outputs (never gen/)
	rm -rf flowtap out/ testdata/bench/

.PHONY: help build generate check-generated sample demo test test-privileged fuzz bench bench-live lint fmt vagrant-test clean
