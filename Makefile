# SPDX-License-Identifier: Apache-2.0
# dwcp-bpf: top-level build. `make` builds the exporter, dwcp-sim and the BPF
# objects; `make test` installs what it needs, builds and runs every test;
# `make demo` runs dwcp-sim under the exporter. V=1 shows the real commands.
#
# ARCH=arm64 (or x86) builds for that architecture; another than the host's
# is a cross build: into build/ARCH, with the cross compiler, against a
# sysroot of Debian 12's packages of that architecture (cross/sysroot.py,
# fetched once through a private apt configuration) and a vmlinux.h from the
# BTF of that architecture's Debian 12 kernel (cross/kernel_btf.py).

SUPPORTED_ARCHS := x86 arm64
HOST_ARCH  := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
ARCH       ?= $(HOST_ARCH)
ifneq ($(words $(filter $(SUPPORTED_ARCHS),$(ARCH))) $(words $(ARCH)),1 1)
$(error ARCH=$(ARCH) is not supported: the supported architectures are $(SUPPORTED_ARCHS))
endif
# per architecture: the GNU triplet, Debian's and Go's names
triplet_x86   := x86_64-linux-gnu
triplet_arm64 := aarch64-linux-gnu
debarch_x86   := amd64
debarch_arm64 := arm64
MULTIARCH  := $(triplet_$(ARCH))
DEB_ARCH   := $(debarch_$(ARCH))
GOARCH     := $(DEB_ARCH)

ifeq ($(ARCH),$(HOST_ARCH))
CROSS      :=
OUT        ?= build
CC         ?= gcc
ifeq ($(origin CC),default)
CC         := gcc
endif
STRIP      ?= strip
else
CROSS      := 1
OUT        ?= build/$(ARCH)
ifeq ($(origin CC),default)
CC         := $(MULTIARCH)-gcc
endif
STRIP      := $(MULTIARCH)-strip
SYSROOT    ?= $(OUT)/sysroot
# the cross compiler and the Go build look in the sysroot for headers
# (sys/sdt.h too) and libraries
SYSROOT_FLAGS := --sysroot=$(abspath $(SYSROOT))
CPPFLAGS   += $(SYSROOT_FLAGS)
LDFLAGS    += $(SYSROOT_FLAGS)
SYSROOT_DEP := $(SYSROOT)/.complete
# the arm64 vmlinux.h: from the kernel of this line of tests/kernels/kernels.list
VMLINUX_KERNEL ?= 6.1
endif
CLANG      ?= clang
BPFTOOL    ?= bpftool
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
CFLAGS    += $(CPPFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP \
	     -I$(OUT) -I$(OUT)/gen/exposition -Ibpf -Iusdt -Iuserspace \
	     -DDWCP_BPF_VERSION='"$(VERSION)"' -DDWCP_BPF_GIT_COMMIT='"$(GIT_COMMIT)"'
LDLIBS    += -lbpf -lelf -lz -lyaml -lmicrohttpd -lgnutls -lcrypt -lcap -lsystemd -lprotobuf-c -lpthread -lm

# SANITIZE=1 builds everything with AddressSanitizer and UBSan (make test-asan).
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror $(BPF_EXTRA) \
	      -I$(OUT) -Ibpf -I$(SYSROOT)/usr/include/$(MULTIARCH)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELETONS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# The exporter: the wiring (main.c, config_check.c) on top of one folder per
# layer (userspace/README.md); make layers checks the folders' order.
USERSPACE_LAYERS := base config exposition web probes collect
EXPORTER_SRCS := $(wildcard userspace/*.c $(patsubst %,userspace/%/*.c,$(USERSPACE_LAYERS)))
EXPORTER_OBJS := $(patsubst userspace/%.c,$(OUT)/obj/userspace/%.o,$(EXPORTER_SRCS))

# The protobuf exposition's messages (userspace/exposition/expo_protobuf.c):
# C code that protoc-c (run on the build host, also for a cross build)
# generates at build time, never committed, from
#   io/prometheus/client/metrics.proto of the Prometheus client model 0.3.0
#     as Debian 12 ships it (golang-github-prometheus-client-model-dev;
#     proto2, with the native histogram fields), and
#   google/protobuf/timestamp.proto, which it imports (libprotobuf-dev).
# OUT/gen/LAYER/ holds a layer's generated code: these belong to the
# exposition layer (tests/structure/check_layers.py).
PROTO_MODEL   ?= /usr/share/gocode/src/github.com/prometheus/client_model
PROTO_INCLUDE ?= /usr/include
PROTOC_C      ?= protoc-c
PROTO_FILES   := $(PROTO_MODEL)/io/prometheus/client/metrics.proto $(PROTO_INCLUDE)/google/protobuf/timestamp.proto
PROTO_GEN     := $(OUT)/gen/exposition
PROTO_SRCS    := $(PROTO_GEN)/io/prometheus/client/metrics.pb-c.c $(PROTO_GEN)/google/protobuf/timestamp.pb-c.c
PROTO_OBJS    := $(patsubst $(OUT)/gen/%.c,$(OUT)/obj/gen/%.o,$(PROTO_SRCS))

LIB_OBJS      := $(filter-out $(OUT)/obj/userspace/main.o,$(EXPORTER_OBJS)) $(PROTO_OBJS)

SIM_SRCS   := $(wildcard usdt/sim/*.c)
SIM_OBJS   := $(patsubst usdt/sim/%.c,$(OUT)/obj/sim/%.o,$(SIM_SRCS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

# Go: the metrics package (usdt/go/metrics, the seed's API on our probes)
# and the reference node built on it. Offline (no module can be fetched),
# with the build folder's own caches.
GO         ?= go
GO_ENV     := GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOCACHE=$(abspath $(OUT))/go-cache GOPATH=$(abspath $(OUT))/gopath
ifdef CROSS
GO_ENV     += GOARCH=$(GOARCH) CGO_ENABLED=1 CC=$(CC) CGO_CFLAGS="-O2 -g $(SYSROOT_FLAGS)" CGO_LDFLAGS="$(SYSROOT_FLAGS)"
endif
GO_METRICS := $(wildcard usdt/go/metrics/*.go usdt/go/metrics/*.s usdt/go/metrics/*.h usdt/go/metrics/*.d \
		usdt/go/metrics/internal/*/*) usdt/go/metrics/go.mod
GO_NODE    := $(wildcard usdt/go/node/*.go) usdt/go/node/go.mod

PROBE_SRCS := $(wildcard tests/programs/*.c)
PROBE_BINS := $(patsubst tests/programs/%.c,$(OUT)/tests/%,$(PROBE_SRCS))

.PHONY: FORCE all deps test unit go-test layers licences integration demo bench soak clean test-asan lint fuzz test-kernels install install-go deb test-systemd
.SECONDARY:
all: $(OUT)/dwcp-bpf-exporter $(OUT)/dwcp-sim $(OUT)/dwcp-go-node $(PROBE_BINS) $(OUT)/tests/dwcp_sdt_threads_nopie

deps:
	$(Q)./.ci/install-deps

$(OUT) $(OUT)/bpf $(OUT)/obj/sim $(OUT)/tests:
	$(Q)mkdir -p $@

# The probe and map ids (bpf/dwcp_ids.h) and the probe list of
# usdt/dwcp_probes.h against usdt/dwcp.d, before anything is compiled.
$(OUT)/ids.ok: usdt/dwcp.d bpf/dwcp_ids.h usdt/dwcp_probes.h usdt/go/metrics/dwcp_probes.h tests/structure/check_ids.py | $(OUT)
	$(call msg,CHECK,ids)
	$(Q)./tests/structure/check_ids.py && touch $@

ifndef CROSS
$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@
else
# The sysroot: Debian 12's packages of ARCH (cross/packages.list), cached
# in /var/cache/dwcp-bpf/sysroot; unpacked here once.
$(SYSROOT)/.complete: cross/sysroot.py cross/packages.list
	$(call msg,SYSROOT,$(SYSROOT))
	$(Q)/usr/bin/python3 cross/sysroot.py --arch $(DEB_ARCH) --out $(SYSROOT)

# The kernel's own BTF, cut out of its Image (the kernel matrix's cache).
$(OUT)/vmlinux.btf: cross/kernel_btf.py | $(OUT)
	$(call msg,BTF,$@)
	$(Q)/usr/bin/python3 cross/kernel_btf.py --arch $(ARCH) --kernel $(VMLINUX_KERNEL) --out $@.tmp \
		--origin $@.kernel && mv $@.tmp $@

$(OUT)/vmlinux.h: $(OUT)/vmlinux.btf
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $< format c > $@.tmp && mv $@.tmp $@
endif

# The histogram bounds and slot tables (bpf/histogram.h), generated.
$(OUT)/dwcp_hist_slots.h: bpf/gen_hist_slots.py | $(OUT)
	$(call msg,GEN,$@)
	$(Q)/usr/bin/python3 bpf/gen_hist_slots.py $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h) $(OUT)/dwcp_hist_slots.h $(OUT)/ids.ok | $(OUT)/bpf $(SYSROOT_DEP)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/obj/userspace/%.o: userspace/%.c $(OUT)/ids.ok | $(SKELETONS) $(PROTO_GEN)/.generated $(SYSROOT_DEP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -c $< -o $@

# Both files in one run of protoc-c; the stamp stands for its outputs.
$(PROTO_GEN)/.generated: $(PROTO_FILES)
	$(call msg,PROTOC-C,$(PROTO_GEN))
	$(Q)rm -rf $(PROTO_GEN) && mkdir -p $(PROTO_GEN) && $(PROTOC_C) --proto_path=$(PROTO_MODEL) \
		--proto_path=$(PROTO_INCLUDE) --c_out=$(PROTO_GEN) $(PROTO_FILES) && touch $@
$(PROTO_SRCS): $(PROTO_GEN)/.generated

$(OUT)/obj/gen/%.o: $(OUT)/gen/%.c | $(SYSROOT_DEP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libexporter.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/dwcp-bpf-exporter: $(OUT)/obj/userspace/main.o $(OUT)/libexporter.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/obj/sim/%.o: usdt/sim/%.c $(OUT)/ids.ok $(OUT)/dwcp_hist_slots.h | $(OUT)/obj/sim $(SYSROOT_DEP)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/dwcp-sim: $(SIM_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -lz -lpthread -lm -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(OUT)/libexporter.a | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(OUT)/libexporter.a -lcmocka $(LDLIBS) -o $@

# Small programs that fire probes in ways dwcp-sim does not (bad arguments,
# probes without semaphores, a binary without probes).
$(OUT)/tests/%: tests/programs/%.c usdt/dwcp_probes.h $(OUT)/ids.ok | $(OUT)/tests $(SYSROOT_DEP)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -lpthread -o $@

$(OUT)/dwcp-go-node: $(GO_NODE) $(GO_METRICS) | $(OUT) $(SYSROOT_DEP)
	$(call msg,GO,$@)
	$(Q)cd usdt/go/node && $(GO_ENV) $(GO) build -o $(abspath $@) .

# gofmt, go vet and go test -race (unit tests and the runnable examples) of the
# Go package and the reference node, with every tested toolchain: Debian 12's
# Go 1.19 and trixie's Go 1.24 (tests/go/toolchain.py fetches it into
# /var/cache/dwcp-bpf/go). With a cross gcc for arm64 (crossbuild-essential-
# arm64), also go vet of the package's cgo path for GOARCH=arm64.
GO_TOOLCHAINS = /usr/bin/python3 tests/go/toolchain.py list
go-test:
	$(Q)set -e; toolchains=$$($(GO_TOOLCHAINS) | tr ' ' '='); \
	for tc in $$toolchains; do name=$${tc%%=*}; go=$${tc#*=}; gofmt=$$(dirname $$go)/gofmt; \
		for d in usdt/go/metrics usdt/go/node; do \
			echo "== Go $$name: $$d"; \
			unformatted=$$($$gofmt -l $$d); if [ -n "$$unformatted" ]; then echo "gofmt: $$unformatted" >&2; exit 1; fi; \
			(cd $$d && $(GO_ENV) $$go vet ./... && $(GO_ENV) $$go test -race -count=1 ./...); \
		done; \
	done; \
	if command -v aarch64-linux-gnu-gcc >/dev/null; then \
		echo "== Go (system) for arm64: go vet of usdt/go/metrics (the cgo path)"; \
		inc=$(abspath $(OUT))/go-arm64-include; mkdir -p $$inc/sys; \
		cp /usr/include/$(MULTIARCH)/sys/sdt.h /usr/include/$(MULTIARCH)/sys/sdt-config.h $$inc/sys/; \
		(cd usdt/go/metrics && $(GO_ENV) GOARCH=arm64 CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc \
			CGO_CFLAGS="-O2 -g -I$$inc" $(GO) vet ./...); \
	fi

# The threads client again as a fixed-address (ET_EXEC) binary, as Go links
# by default: kernels without BPF cookies trace those system-wide.
$(OUT)/tests/dwcp_sdt_threads_nopie: tests/programs/dwcp_sdt_threads.c | $(OUT)/tests $(SYSROOT_DEP)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fno-pie $(LDFLAGS) -no-pie $< -lpthread -o $@

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# No circle among the units of userspace/, in the compiler's include tree
# (gcc -H) and in the symbols the linker resolves (nm); tsort checks.
layers: all
	$(Q)./tests/structure/check_layers.py $(OUT) $(USERSPACE_LAYERS)

# Every source file carries the SPDX line of its folder; the licence texts exist.
licences:
	$(Q)./tests/structure/check_licences.py

integration: all $(OUT)/collide/dwcp-bpf-exporter
	$(Q)./tests/integration/run

# The exporter again with a stream-id hash of 0 bits: every id collides, so
# tests/integration/test_stream_ids.py can drive the collision probes
# of bpf/dwcp_streams.bpf.h.
$(OUT)/collide/dwcp-bpf-exporter: FORCE
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/collide BPF_EXTRA=-DDWCP_STREAM_HASH_MASK=0 $@

# make test: tests/make-test says what runs beside what. It runs the
# matrix of every architecture this host builds (x86 and arm64 on
# x86-64), the guests of both in one pool.
MATRIX_ARCHS := $(if $(filter x86,$(HOST_ARCH)),x86 arm64,$(HOST_ARCH))
MATRIX_BUILDS := $(foreach a,$(MATRIX_ARCHS),--arch $(a)=$(if $(filter $(a),$(ARCH)),$(OUT),$(OUT)/$(a)))
test: deps
	$(Q)MAKE="$(MAKE)" OUT="$(OUT)" ARCH="$(ARCH)" MATRIX_ARCHS="$(MATRIX_ARCHS)" MATRIX_BUILDS="$(MATRIX_BUILDS)" \
		KERNELS="$(KERNELS)" ./tests/make-test

# The kernel matrix (tests/kernels/kernels.list) of ARCH under qemu;
# KERNELS="6.1 sid" runs some. Kernels are cached in /var/cache/dwcp-bpf/kernels.
KERNELS ?=
test-kernels: all
	$(Q)/usr/bin/python3 tests/kernels/run.py --arch $(ARCH)=$(OUT) --kernels "$(KERNELS)"

# The unit tests again under AddressSanitizer and UBSan, in their own folder.
test-asan:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 OUT=$(OUT)/asan unit

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tests/demo.sh

# The load test of test_stress.py for SOAK_SECONDS (default 600), printing
# the exporter's RSS and open fds every 10 s. Not part of make test.
SOAK_SECONDS ?= 600
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)DWCP_SOAK_SECONDS=$(SOAK_SECONDS) ./tests/integration/run tests/integration/test_stress.py -s

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tests/bench/run

# libFuzzer (clang) runs every tests/fuzz/fuzz_*.c for FUZZ_SECONDS each
# (default 60), from its hand-written seeds in tests/fuzz/corpus/<name>/;
# the corpus it grows stays in $(OUT)/fuzz/corpus/<name>/ (not in git); a
# crash stops with the input saved as $(OUT)/fuzz/<name>-crash-*. Not part
# of make test.
FUZZ_SECONDS ?= 60
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS    := $(patsubst userspace/%.c,$(OUT)/fuzz/obj/%.o,$(filter-out userspace/main.c,$(EXPORTER_SRCS))) \
		$(patsubst $(OUT)/gen/%.c,$(OUT)/fuzz/obj/gen/%.o,$(PROTO_SRCS))
FUZZ_SAN     := address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(OUT)/fuzz/obj/%.o: userspace/%.c | $(SKELETONS) $(PROTO_GEN)/.generated
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(CFLAGS) -O1 -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c $< -o $@

$(OUT)/fuzz/obj/gen/%.o: $(OUT)/gen/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(CFLAGS) -O1 -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c $< -o $@

$(OUT)/fuzz/libexporter.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(OUT)/fuzz/libexporter.a
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(CFLAGS) -O1 -fsanitize=fuzzer,$(FUZZ_SAN) $< $(OUT)/fuzz/libexporter.a $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)set -e; for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); mkdir -p $(OUT)/fuzz/corpus/$$n; \
		seeds=; if [ -d tests/fuzz/corpus/$$n ]; then seeds=tests/fuzz/corpus/$$n; fi; \
		echo "== $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(OUT)/fuzz/$$n- \
			$(OUT)/fuzz/corpus/$$n $$seeds; \
	done

# The package under a real systemd: a Debian 12 guest (qemu, the kernel
# matrix's harness of tests/kernels) installs the .deb and runs its units.
# Minutes under TCG; not part of make test.
test-systemd: deps
	$(Q)./tests/systemd/run.py $(OUT)/systemd-guest

# ---- make install: FHS and Debian's layout ----
# PREFIX=/usr is the package's (and then /etc, /lib/systemd/system);
# PREFIX=/usr/local (default) keeps everything under it. DESTDIR stages.
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR     ?= $(DATADIR)/doc/dwcp-bpf-exporter
PKGDATADIR ?= $(DATADIR)/dwcp-bpf-exporter
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
GOCODEDIR  ?= $(DATADIR)/gocode/src
# the documentation, at its paths in the tree (links between the files hold)
DOCS := $(filter-out $(OUT)/%,$(wildcard README.md */README.md */*/README.md */*/*/README.md)) configs/prometheus/RUNBOOK.md
CONFIG_FILE := $(SYSCONFDIR)/dwcp-bpf-exporter/dwcp-bpf-exporter.yml
# the units and the config as installed: paths follow PREFIX
INSTALL_PATHS = sed -e 's|/usr/bin/dwcp-bpf-exporter|$(BINDIR)/dwcp-bpf-exporter|g' \
	-e 's|/etc/dwcp-bpf-exporter/|$(SYSCONFDIR)/dwcp-bpf-exporter/|g' -e 's|/etc/default/|$(SYSCONFDIR)/default/|g'

# The man page, made from --help and --version.
# A cross build's exporter answers --help under qemu-user (qemu-aarch64),
# with the sysroot's loader and libraries.
ifdef CROSS
$(OUT)/qemu-user/dwcp-bpf-exporter: $(OUT)/dwcp-bpf-exporter
	$(Q)mkdir -p $(@D) && printf '#!/bin/sh\nexec qemu-$(triplet_$(ARCH):-linux-gnu=) -L %s %s "$$@"\n' \
		$(abspath $(SYSROOT)) $(abspath $<) > $@ && chmod +x $@
MAN_FROM := $(OUT)/qemu-user/dwcp-bpf-exporter
else
MAN_FROM := $(OUT)/dwcp-bpf-exporter
endif
$(OUT)/dwcp-bpf-exporter.1.gz: $(MAN_FROM)
	$(call msg,MAN,$@)
	$(Q)help2man --no-info --section=1 --source="dwcp-bpf $(VERSION)" \
		--name="Prometheus metrics from the dwcp USDT probes of DWCP binaries" $< > $(OUT)/dwcp-bpf-exporter.1
	$(Q)gzip -9nf $(OUT)/dwcp-bpf-exporter.1

install: $(OUT)/dwcp-bpf-exporter $(OUT)/dwcp-bpf-exporter.1.gz
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUT)/dwcp-bpf-exporter $(DESTDIR)$(BINDIR)/dwcp-bpf-exporter
	$(Q)install -D -m 0644 $(OUT)/dwcp-bpf-exporter.1.gz $(DESTDIR)$(MANDIR)/man1/dwcp-bpf-exporter.1.gz
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)for u in configs/systemd/dwcp-bpf-exporter.service configs/systemd/dwcp-bpf-exporter.socket; do \
		$(INSTALL_PATHS) $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	@# configuration: never overwrites what an operator edited
	$(Q)install -d $(DESTDIR)$(SYSCONFDIR)/dwcp-bpf-exporter $(DESTDIR)$(SYSCONFDIR)/default
	$(Q)[ -e $(DESTDIR)$(CONFIG_FILE) ] || install -m 0644 configs/dwcp-bpf-exporter.yml $(DESTDIR)$(CONFIG_FILE)
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/default/dwcp-bpf-exporter ] || \
		install -m 0644 configs/default/dwcp-bpf-exporter $(DESTDIR)$(SYSCONFDIR)/default/dwcp-bpf-exporter
	@# Prometheus rules, alerts, scrape and federation configs, dashboard
	$(Q)install -d $(DESTDIR)$(PKGDATADIR)/prometheus/federation $(DESTDIR)$(PKGDATADIR)/dashboards
	$(Q)install -m 0644 configs/prometheus/*.yml $(DESTDIR)$(PKGDATADIR)/prometheus/
	$(Q)install -m 0644 configs/prometheus/federation/*.yml $(DESTDIR)$(PKGDATADIR)/prometheus/federation/
	$(Q)install -m 0644 dashboards/*.json $(DESTDIR)$(PKGDATADIR)/dashboards/
	@# bpftrace scripts, and the probe contract for DWCP developers
	$(Q)install -d $(DESTDIR)$(PKGDATADIR)/bpftrace $(DESTDIR)$(PKGDATADIR)/usdt
	$(Q)install -m 0755 usdt/bpftrace/*.bt $(DESTDIR)$(PKGDATADIR)/bpftrace/
	$(Q)install -D -m 0644 usdt/dwcp_probes.h $(DESTDIR)$(INCLUDEDIR)/dwcp_probes.h
	$(Q)install -m 0644 usdt/dwcp.d $(DESTDIR)$(PKGDATADIR)/usdt/dwcp.d
	$(Q)for f in $(DOCS); do install -D -m 0644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	$(Q)$(MAKE) --no-print-directory install-go

# ---- The Go package (usdt/go/metrics) ----
# Installed where Debian keeps Go sources, under its import path from
# go.mod (/usr/share/gocode/src/<module>), with its internal/ packages,
# assembly, headers and README. Its tests and examples stay out.
GO_PACKAGE := usdt/go/metrics
install-go:
	$(Q)if [ -f $(GO_PACKAGE)/go.mod ]; then \
		mod=$$(sed -n 's/^module //p' $(GO_PACKAGE)/go.mod); \
		for f in $$(cd $(GO_PACKAGE) && find . -type f \( -name '*.go' -o -name '*.s' -o -name '*.h' -o -name '*.d' \
				-o -name go.mod -o -name LICENSE -o -name README.md \) ! -name '*_test.go' | sort); do \
			install -D -m 0644 $(GO_PACKAGE)/$$f $(DESTDIR)$(GOCODEDIR)/$$mod/$$f; \
		done; \
	fi

# ---- make deb: the tree of make install PREFIX=/usr, with dpkg-deb ----
# Built with Debian's hardening flags in its own folder; control files from
# configs/debian/ (its Build-Depends, what building needs, as .ci/install-deps
# installs it, is left out: a binary package has no such field); the
# runtime Depends computed by dpkg-shlibdeps (libprotobuf-c1 too). With
# ARCH=arm64: that architecture's flags, its strip, and dpkg-shlibdeps
# reading the sysroot's dpkg database (cross/sysroot.py) for the symbols
# and shlibs files of the arm64 libraries.
DEB      := $(OUT)/dwcp-bpf-exporter_$(VERSION)_$(DEB_ARCH).deb
DEB_OUT  := $(OUT)/deb-build
DEB_ROOT := $(OUT)/deb/root

ifdef CROSS
DEB_SHLIBDEPS := --admindir=$(abspath $(SYSROOT))/.dpkg -l$(abspath $(SYSROOT))/lib/$(MULTIARCH) \
	-l$(abspath $(SYSROOT))/usr/lib/$(MULTIARCH)
DEB_SUBMAKE   := SYSROOT=$(SYSROOT)
endif
deb: deps $(SYSROOT_DEP)
	$(Q)rm -rf $(OUT)/deb $(DEB_OUT) && mkdir -p $(DEB_ROOT)/DEBIAN $(OUT)/deb/shlibs/debian
	$(Q)export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_HOST_ARCH=$(DEB_ARCH); \
	env CFLAGS="$$(dpkg-buildflags --get CFLAGS)" CPPFLAGS="$$(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" $(MAKE) --no-print-directory OUT=$(DEB_OUT) $(DEB_SUBMAKE) \
		install PREFIX=/usr DESTDIR=$(abspath $(DEB_ROOT))
	$(Q)$(STRIP) --strip-unneeded --remove-section=.comment --remove-section=.note $(DEB_ROOT)/usr/bin/dwcp-bpf-exporter
	$(Q)install -m 0644 configs/debian/copyright $(DEB_ROOT)/usr/share/doc/dwcp-bpf-exporter/copyright
	$(Q)gzip -9nc configs/debian/changelog > $(DEB_ROOT)/usr/share/doc/dwcp-bpf-exporter/changelog.gz
	$(Q)install -m 0644 configs/debian/conffiles $(DEB_ROOT)/DEBIAN/conffiles
	$(Q)install -m 0755 configs/debian/postinst configs/debian/prerm configs/debian/postrm $(DEB_ROOT)/DEBIAN/
	$(Q)printf 'Source: dwcp-bpf\n\nPackage: dwcp-bpf-exporter\nArchitecture: any\n' > $(OUT)/deb/shlibs/debian/control
	$(Q)deps=$$(cd $(OUT)/deb/shlibs && DEB_HOST_ARCH=$(DEB_ARCH) dpkg-shlibdeps $(DEB_SHLIBDEPS) -O -e $(abspath $(DEB_ROOT))/usr/bin/dwcp-bpf-exporter | \
		sed -n 's/^shlibs:Depends=//p'); \
	size=$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1); \
	sed -e "s/@VERSION@/$(VERSION)/" -e "s/@ARCH@/$(DEB_ARCH)/" -e "s/@DEPENDS@/$$deps/" -e "s/@SIZE@/$$size/" \
		-e '/^Build-Depends:/,/^[^ ]/{/^[^ ]/!d;/^Build-Depends:/d}' configs/debian/control > $(DEB_ROOT)/DEBIAN/control
	$(Q)cd $(DEB_ROOT) && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums
	$(Q)dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB) >/dev/null
	$(call msg,DEB,$(DEB))

clean:
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*/*.d $(OUT)/obj/userspace/*/*.d $(OUT)/obj/gen/*/*/*/*/*.d $(OUT)/tests/*.d \
	$(OUT)/fuzz/obj/*.d $(OUT)/fuzz/obj/*/*.d)
