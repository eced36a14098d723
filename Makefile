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
# Release binaries carry the Swift runtime (static libraries from the
# toolchain): they need only Debian's libraries to run. Bound at load time
# (-z now), so the whole GOT is read-only, as Debian hardens. Linked by the
# toolchain's lld, whose packed relative relocations (DT_RELR, glibc 2.36)
# take 8 KB where gold's took 0.9 MB (scripts/check-binary.sh bounds the size).
# Identical functions folded into one (--icf=all: 0.25 MiB of the binary;
# --icf=safe folds 12 KB, as Swift's objects carry no address-significance
# table; -Osize would save 0.33 MiB but slows the decoders and encoder).
# No symbol exported (--no-export-dynamic, after the driver's -export-dynamic):
# nothing loads the executable's symbols, and its 7,708 exports took 0.65 MB.
SWIFT_LINK := $(if $(filter release,$(CONFIG)),--static-swift-stdlib -Xlinker -z -Xlinker now \
	-Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --icf=all -Xlinker -O2 \
	-Xlinker --no-export-dynamic)

.PHONY: all build deps bpf run test test-kernels bench clean install uninstall deb test-install
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
	$(Q)$(SWIFT) build -c $(CONFIG) $(SWIFT_LINK) --product proctrace $(if $(Q),-q)

run: build
	$(BIN) record $(ARGS)

# Test tools built from scripts/ (the tests find them in .build/tools).
STALLFS := .build/tools/stallfs
$(STALLFS): scripts/stallfs.c | deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC       $@")
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $< $$(pkg-config --cflags --libs fuse3)

test: bpf $(STALLFS)
	$(Q)$(SWIFT) build --build-tests $(if $(Q),-q)
	$(Q)$(SWIFT) test --skip-build $(TEST_ARGS)
	@# CI also runs the kernel matrix and the .deb under a real systemd (both in qemu).
	$(Q)if [ "$$CI" = true ]; then $(MAKE) --no-print-directory test-kernels test-install; fi

# The integration tests on Debian's 5.10, 6.1 and 6.12 kernels in qemu and on
# this machine's (scripts/qemu/test-kernels.sh; in `make test` when CI=true).
test-kernels: bpf
	$(Q)$(SWIFT) build --build-tests $(if $(Q),-q)
	$(Q)scripts/qemu/test-kernels.sh .build/debug

# Capture completeness, overhead, throughput and the system-call tax against
# peers (root; ~40 minutes); not part of `make test`. Results on stdout and in
# BENCHMARKS.md. QUICK=1 checks the script.
LOADGEN := .build/bench/loadgen
$(LOADGEN): scripts/loadgen.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC       $@")
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $< -lpthread

# bpftrace, forkstat and libbpf-tools (execsnoop): the peers in the system-call tax.
bench: bpf $(LOADGEN)
	$(Q)scripts/install-deps.sh bpftrace forkstat libbpf-tools
	$(if $(Q),@echo "  SWIFT    proctrace and proctrace-bench (release)")
	$(Q)$(SWIFT) build -c release $(SWIFT_LINK) --product proctrace $(if $(Q),-q)
	$(Q)$(SWIFT) build -c release --product proctrace-bench $(if $(Q),-q)
	$(Q)scripts/bench.sh

clean:
	$(Q)rm -rf .build $(dir $(SKEL))

# --- install (docs/service.md) ----------------------------------------------
# `make install` builds and installs under PREFIX (DESTDIR honoured);
# `make install BIN=path` installs that binary without building.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
INSTALLED := $(BINDIR)/proctrace $(MANDIR)/man1/proctrace.1 $(UNITDIR)/proctrace.service \
	$(BASHCOMPDIR)/proctrace $(ZSHCOMPDIR)/_proctrace $(FISHCOMPDIR)/proctrace.fish

install: $(if $(filter command line,$(origin BIN)),,build)
	$(if $(Q),@echo "  INSTALL  $(DESTDIR)$(PREFIX)")
	$(Q)install -d $(addprefix $(DESTDIR),$(BINDIR) $(MANDIR)/man1 $(UNITDIR) $(BASHCOMPDIR) $(ZSHCOMPDIR) $(FISHCOMPDIR) $(SYSCONFDIR)/proctrace)
	$(Q)install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/proctrace
	$(Q)scripts/generate-manpage.py $(BIN) > $(DESTDIR)$(MANDIR)/man1/proctrace.1
	$(Q)$(BIN) --generate-completion-script bash > $(DESTDIR)$(BASHCOMPDIR)/proctrace
	$(Q)$(BIN) --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_proctrace
	$(Q)$(BIN) --generate-completion-script fish > $(DESTDIR)$(FISHCOMPDIR)/proctrace.fish
	$(Q)sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/systemd/proctrace.service \
		> $(DESTDIR)$(UNITDIR)/proctrace.service
	$(Q)chmod 0644 $(addprefix $(DESTDIR),$(filter-out $(BINDIR)/proctrace,$(INSTALLED)))
	@# The configuration is the admin's: installed once, never overwritten.
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/proctrace/proctrace.toml ] || \
		install -m 0644 dist/proctrace.toml $(DESTDIR)$(SYSCONFDIR)/proctrace/proctrace.toml
	$(Q)install -d $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/logrotate.d/proctrace ] || \
		install -m 0644 dist/logrotate/proctrace $(DESTDIR)$(SYSCONFDIR)/logrotate.d/proctrace

# Removes what install put there; the configuration only if it is unchanged.
uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)if cmp -s dist/proctrace.toml $(DESTDIR)$(SYSCONFDIR)/proctrace/proctrace.toml; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/proctrace/proctrace.toml; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/proctrace 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/proctrace/proctrace.toml ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/proctrace/proctrace.toml (changed since install)"; \
	fi
	$(Q)if cmp -s dist/logrotate/proctrace $(DESTDIR)$(SYSCONFDIR)/logrotate.d/proctrace; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/logrotate.d/proctrace; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/logrotate.d/proctrace ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/logrotate.d/proctrace (changed since install)"; \
	fi

# --- Debian package and its install test (docs/service.md) -------------------
# `make deb`: .build/proctrace_<version>_<arch>.deb, staged by `make install`.
DEB_ROOT := .build/deb/root
DEB = .build/proctrace_$$($(BIN) --version)_$$(dpkg --print-architecture).deb
deb: build
	$(Q)scripts/install-deps.sh dpkg-dev binutils
	$(Q)rm -rf $(DEB_ROOT)
	$(Q)$(MAKE) --no-print-directory install BIN=$(BIN) DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr \
		UNITDIR=/lib/systemd/system ZSHCOMPDIR=/usr/share/zsh/vendor-completions
	$(if $(Q),@echo "  DEB      $(DEB)")
	$(Q)scripts/deb/build-deb.sh $(DEB_ROOT) .build > /dev/null

# `make test-install`: the .deb in a clean Debian 12 under qemu, systemd as
# PID 1 (root; the guest image is built once and cached in .build/test-install).
test-install: deb
	$(Q)scripts/install-deps.sh lintian debootstrap qemu-system-x86 qemu-utils e2fsprogs
	$(if $(Q),@echo "  LINTIAN  $(DEB)")
	$(Q)lintian --pedantic --fail-on error,warning $(DEB)
	$(Q)scripts/test-install/make-rootfs.sh .build/test-install
	$(Q)scripts/test-install/run.sh .build/test-install $(DEB)
