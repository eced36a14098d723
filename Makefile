# proctrace — `make` builds, `sudo make run` traces, `make test` tests.
# Quiet by default; `make V=1` shows the commands.

V ?= 0
Q := $(if $(filter 1,$(V)),,@)
SWIFT ?= swift
CLANG ?= clang
BPFTOOL ?= bpftool
CONFIG ?= release
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

BPF_DIR := bpf
BPF_BUILD := .build/bpf
BPF_OBJ := $(BPF_BUILD)/proctrace.bpf.o
SKEL := Sources/CProcTraceBPF/generated/proctrace.skel.h
BIN := .build/$(CONFIG)/proctrace

.PHONY: all build deps bpf run test bench clean
all: build

deps:
	$(Q)scripts/install-deps.sh

$(BPF_BUILD)/proctrace.tmp.o: $(BPF_DIR)/proctrace.bpf.c $(BPF_DIR)/proctrace.h $(BPF_DIR)/vmlinux.h | deps
	@mkdir -p $(BPF_BUILD)
	$(if $(Q),@echo "  BPF      $<")
	$(Q)$(CLANG) -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BPF_DIR) -c $< -o $@

# Linking through bpftool keeps BTF and drops DWARF (half the size).
$(BPF_OBJ): $(BPF_BUILD)/proctrace.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $<

$(SKEL): $(BPF_OBJ)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  SKEL     $@")
	$(Q)$(BPFTOOL) gen skeleton $< name proctrace_bpf > $@.tmp && mv $@.tmp $@
	@touch Sources/CProcTraceBPF/loader.c  # SwiftPM does not track the generated header

bpf: $(SKEL)

build: bpf
	$(if $(Q),@echo "  SWIFT    proctrace ($(CONFIG))")
	$(Q)$(SWIFT) build -c $(CONFIG) --product proctrace $(if $(Q),-q)

run: build
	$(BIN) record $(ARGS)

test: bpf
	$(Q)$(SWIFT) build --build-tests $(if $(Q),-q)
	$(Q)$(SWIFT) test --skip-build $(TEST_ARGS)

# Capture completeness, overhead and throughput (root; ~8 minutes); not part of
# `make test`. Results on stdout and in BENCHMARKS.md. QUICK=1 checks the script.
LOADGEN := .build/bench/loadgen
$(LOADGEN): scripts/loadgen.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC       $@")
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $< -lpthread

bench: bpf $(LOADGEN)
	$(if $(Q),@echo "  SWIFT    proctrace and proctrace-bench (release)")
	$(Q)$(SWIFT) build -c release --product proctrace $(if $(Q),-q)
	$(Q)$(SWIFT) build -c release --product proctrace-bench $(if $(Q),-q)
	$(Q)scripts/bench.sh

clean:
	$(Q)rm -rf .build $(dir $(SKEL))
