# dwcp-bpf: top-level build. `make` builds the exporter, dwcp-sim and the BPF
# objects; `make test` installs what it needs, builds and runs every test;
# `make demo` runs dwcp-sim under the exporter. V=1 shows the real commands.

OUT        ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH  := $(shell $(CC) -dumpmachine)
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
CFLAGS    += -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP \
	     -I$(OUT) -Ibpf -Iusdt -Iuserspace \
	     -DDWCP_BPF_VERSION='"$(VERSION)"' -DDWCP_BPF_GIT_COMMIT='"$(GIT_COMMIT)"'
LDLIBS    += -lbpf -lelf -lz -lmicrohttpd -lgnutls -lcrypt -lcap -lsystemd -lpthread -lm

# SANITIZE=1 builds everything with AddressSanitizer and UBSan (make test-asan).
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -I$(OUT) -Ibpf -I/usr/include/$(MULTIARCH)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELETONS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

EXPORTER_SRCS := $(wildcard userspace/*.c)
EXPORTER_OBJS := $(patsubst userspace/%.c,$(OUT)/obj/userspace/%.o,$(EXPORTER_SRCS))
LIB_OBJS      := $(filter-out $(OUT)/obj/userspace/main.o,$(EXPORTER_OBJS))

SIM_SRCS   := $(wildcard usdt/sim/*.c)
SIM_OBJS   := $(patsubst usdt/sim/%.c,$(OUT)/obj/sim/%.o,$(SIM_SRCS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

PROBE_SRCS := $(wildcard tests/programs/*.c)
PROBE_BINS := $(patsubst tests/programs/%.c,$(OUT)/tests/%,$(PROBE_SRCS))

.PHONY: all deps test unit layers integration demo bench soak clean test-asan lint fuzz
.SECONDARY:
all: $(OUT)/dwcp-bpf-exporter $(OUT)/dwcp-sim $(PROBE_BINS)

deps:
	$(Q)./.ci/install-deps

$(OUT) $(OUT)/bpf $(OUT)/obj/userspace $(OUT)/obj/sim $(OUT)/tests:
	$(Q)mkdir -p $@

$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/obj/userspace/%.o: userspace/%.c | $(OUT)/obj/userspace $(SKELETONS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libexporter.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/dwcp-bpf-exporter: $(OUT)/obj/userspace/main.o $(OUT)/libexporter.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/obj/sim/%.o: usdt/sim/%.c | $(OUT)/obj/sim
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
$(OUT)/tests/%: tests/programs/%.c usdt/dwcp_probes.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -lpthread -o $@

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# No circle among the units of userspace/, in the compiler's include tree
# (gcc -H) and in the symbols the linker resolves (nm); tsort checks.
layers: all
	$(Q)./tests/structure/check_layers.py $(OUT)

integration: all
	$(Q)./tests/integration/run

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory layers
	$(Q)$(MAKE) --no-print-directory test-asan
	$(Q)$(MAKE) --no-print-directory integration

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
FUZZ_OBJS    := $(patsubst userspace/%.c,$(OUT)/fuzz/obj/%.o,$(filter-out userspace/main.c,$(EXPORTER_SRCS)))
FUZZ_SAN     := address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(OUT)/fuzz/obj/%.o: userspace/%.c | $(SKELETONS)
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

clean:
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*/*.d) $(wildcard $(OUT)/tests/*.d) $(wildcard $(OUT)/fuzz/obj/*.d)
