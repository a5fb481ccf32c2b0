# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# .bpf.c -> build/*.bpf.o -> build/*.skel.h -> build/*.o -> build/latscope
# Quiet by default; V=1 prints every command.

OUTPUT		:= build
CLANG		?= clang
LLVM_STRIP	?= llvm-strip
BPFTOOL		?= bpftool
CC		?= cc
PKG_CONFIG	?= pkg-config
ARCH		?= $(shell uname -m | sed 's/x86_64/x86/' \
			 | sed 's/arm.*/arm/' \
			 | sed 's/aarch64/arm64/' \
			 | sed 's/ppc64le/powerpc/' \
			 | sed 's/mips.*/mips/' \
			 | sed 's/riscv64/riscv/' \
			 | sed 's/loongarch64/loongarch/')
VMLINUX_H	?= vmlinux/$(ARCH)/vmlinux.h
PREFIX		?= /usr/local
DESTDIR		?=
VERSION		:= $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# Debian packages the build, the tests and the demo need (make deps).
BUILD_PKGS	:= clang llvm gcc make pkg-config libbpf-dev bpftool libelf-dev \
		   zlib1g-dev libjson-c-dev libmicrohttpd-dev
TEST_PKGS	:= libcmocka-dev strace jq iproute2 iputils-ping python3 prometheus curl chromium \
		   libclang-rt-dev

WARNINGS	:= -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 \
		   -Wstrict-prototypes -Wmissing-prototypes -Werror=undef \
		   -Werror=implicit-function-declaration
CFLAGS		?= -g -O2
ALL_CFLAGS	:= $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE \
		   -DLATSCOPE_VERSION='"$(VERSION)"' \
		   -Iinclude -Isrc -I$(OUTPUT) $(EXTRA_CFLAGS)
LIBS		:= $(shell $(PKG_CONFIG) --libs libbpf json-c 2>/dev/null || echo -lbpf -ljson-c) -lelf -lz -lm
# only the latscope binary serves HTTP
SERVER_LIBS	:= $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread
ALL_LDFLAGS	:= $(LDFLAGS) $(EXTRA_LDFLAGS)

# Sanitizers for the unit tests: hostile snapshot input must never crash.
SAN_FLAGS	?= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined

# Everything without a main(): tests link these directly.
LIB_SRCS	:= src/cli_opts.c src/format.c src/getopt_walk.c src/hist.c src/json_scan.c \
		   src/prom.c src/save_file.c src/snapshot.c src/snapshot_load.c src/snapshot_write.c \
		   src/report.c src/subsys.c src/syscall_names.c src/log.c src/parse.c src/record_opts.c \
		   src/rules.c src/snapshot_cols.c src/report_table.c src/report_view.c \
		   src/diff_stats.c src/diff.c src/diff_budget.c src/diff_gate.c src/report_diff.c \
		   src/proc_info.c src/match.c src/perfetto.c src/svg.c src/html.c \
		   src/cycle.c src/budget.c src/hints.c src/report_cycle.c \
		   src/proc_table.c src/snapshot_select.c src/raw.c src/fold.c src/cost.c
CMD_SRCS	:= src/main.c src/cmd_record.c src/cmd_report.c src/cmd_diff.c src/target.c \
		   src/collect.c src/interval.c src/selfcheck.c src/selfcost.c src/http_server.c \
		   src/record_metrics.c src/record_events.c
LIB_OBJS	:= $(patsubst src/%.c,$(OUTPUT)/%.o,$(LIB_SRCS))
CMD_OBJS	:= $(patsubst src/%.c,$(OUTPUT)/%.o,$(CMD_SRCS))
BPF_OBJS	:= $(OUTPUT)/latscope.bpf.o
SKELS		:= $(OUTPUT)/latscope.skel.h

UNIT_TESTS	:= $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
UNIT_BINS	:= $(addprefix $(OUTPUT)/tests/,$(UNIT_TESTS))
TOOLS		:= $(OUTPUT)/democtl $(OUTPUT)/waitload $(OUTPUT)/fdreuse $(OUTPUT)/reqpoll \
		   $(OUTPUT)/forkload $(OUTPUT)/cyclectl $(OUTPUT)/tidreuse

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s%s\n' "$(1)" "$(patsubst $(abspath $(OUTPUT))/%,%,$(2))" \
		"$(if $(3), $(3))";
	MAKEFLAGS += --no-print-directory
endif

.PHONY: all
all: $(OUTPUT)/latscope $(TOOLS)

ifeq ($(wildcard $(VMLINUX_H)),)
$(error $(VMLINUX_H) is missing for ARCH=$(ARCH); run tools/gen-vmlinux.sh)
endif

$(OUTPUT) $(OUTPUT)/tests:
	$(call msg,MKDIR,$@)
	$(Q)mkdir -p $@

# BPF: -g for BTF (CO-RE needs it), strip DWARF afterwards.
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
		-Iinclude -Ibpf -I$(dir $(VMLINUX_H)) \
		-idirafter /usr/include/$(shell $(CC) -print-multiarch) -MMD -MP -MF $@.d \
		-Wall -Werror -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o | $(OUTPUT)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# Syscall numbers -> names, taken from the C library's own headers so the
# table always matches the architecture being built.
$(OUTPUT)/syscall_table.h: tools/gen-syscall-table.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)CC="$(CC)" sh tools/gen-syscall-table.sh > $@.tmp && mv $@.tmp $@

$(OUTPUT)/syscall_names.o: $(OUTPUT)/syscall_table.h
$(OUTPUT)/cmd_record.o: $(SKELS)

$(OUTPUT)/%.o: src/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# From scratch: `ar r` keeps members whose source was renamed or removed.
$(OUTPUT)/libls.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUTPUT)/latscope: $(CMD_OBJS) $(OUTPUT)/libls.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(ALL_LDFLAGS) $(LIBS) $(SERVER_LIBS) -o $@

# Messages and what they need: log.c escapes what it quotes with format.c,
# which parses format names with parse.c.
LOG_OBJS	:= $(OUTPUT)/log.o $(OUTPUT)/format.o $(OUTPUT)/parse.o

# The test oracles: what they share (tools/oracle.c: counted syscalls,
# counters, JSON, options) and what they share with latscope (messages,
# number parsing, the getopt walk, the tmp + rename file writer).  Nothing
# that names subsystems.
ORACLE_OBJS	:= $(OUTPUT)/oracle.o $(LOG_OBJS) $(OUTPUT)/getopt_walk.o $(OUTPUT)/save_file.o

$(OUTPUT)/oracle.o: tools/oracle.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itools -MMD -MP -c $< -o $@

$(TOOLS): $(OUTPUT)/%: tools/%.c $(ORACLE_OBJS) | $(OUTPUT)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itools -MMD -MP $^ $(ALL_LDFLAGS) -lpthread -o $@

# Unit tests: the library compiled once more, with sanitizers, into
# build/san/ (each object with its own .d), and each test linked against
# it, so touching a header rebuilds the objects and tests that include it
# and nothing else.  The archive lets a test pull in only what it uses.
SAN_OUT		:= $(OUTPUT)/san
SAN_LIB_OBJS	:= $(patsubst src/%.c,$(SAN_OUT)/%.o,$(LIB_SRCS))

$(SAN_OUT):
	$(call msg,MKDIR,$@)
	$(Q)mkdir -p $@

$(SAN_OUT)/%.o: src/%.c | $(SAN_OUT)
	$(call msg,SAN-CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(SAN_OUT)/syscall_names.o: $(OUTPUT)/syscall_table.h

$(SAN_OUT)/libls.a: $(SAN_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUTPUT)/tests/%.o: tests/%.c | $(OUTPUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests -MMD -MP -c $< -o $@

$(OUTPUT)/tests/test_%: $(OUTPUT)/tests/test_%.o $(SAN_OUT)/libls.a
	$(call msg,TEST-LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(filter %.o,$^) $(filter %.a,$^) $(ALL_LDFLAGS) \
		$(LIBS) -lcmocka -o $@

# It measures peak RSS, which ASan's shadow memory would swamp: the plain
# library, no sanitizers.
$(OUTPUT)/tests/test_load_bound.o: SAN_FLAGS :=
$(OUTPUT)/tests/test_load_bound: $(OUTPUT)/tests/test_load_bound.o $(OUTPUT)/libls.a
	$(call msg,TEST-LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(ALL_LDFLAGS) $(LIBS) -lcmocka -o $@

# The interval bookkeeping sits on collect.c, which reads the BPF maps (and
# names threads through target.c): libbpf is linked anyway.
$(OUTPUT)/tests/test_interval: $(SAN_OUT)/interval.o $(SAN_OUT)/collect.o $(SAN_OUT)/target.o

# libFuzzer harnesses (docs/fuzzing.md): clang, with ASan and UBSan, one
# binary per tests/fuzz/fuzz_*.c linking the library sources.  make fuzz
# runs each for FUZZ_SECONDS; make test runs each for FUZZ_SMOKE_SECONDS.
FUZZ_OUT	:= $(OUTPUT)/fuzz
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS	:= -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
FUZZ_SECONDS	?= 600
FUZZ_SMOKE_SECONDS ?= 20

$(FUZZ_OUT):
	$(call msg,MKDIR,$@)
	$(Q)mkdir -p $@

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(LIB_SRCS) \
		    $(OUTPUT)/syscall_table.h | $(FUZZ_OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(ALL_CFLAGS) $(FUZZ_FLAGS) -Itests/fuzz -MMD -MP -MF $@.d $< $(LIB_SRCS) \
		$(ALL_LDFLAGS) $(LIBS) -o $@

.PHONY: fuzz-build fuzz fuzz-smoke
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS)

# make bench (docs/performance.md): C workloads, two reference tracers (the
# empty-program floor and the clock pair), the loader of single-operation
# programs (helpercost) and a peak-RSS helper, all in build/bench/;
# bench/run.sh runs them.
BENCH_OUT	:= $(OUTPUT)/bench
BENCH_WLS	:= getppid udp_rr icmp_echo netlink_dump udp_fanout accuracy
BENCH_WL_BINS	:= $(addprefix $(BENCH_OUT)/,$(BENCH_WLS))
BENCH_REFS	:= $(BENCH_OUT)/floor $(BENCH_OUT)/clockpair $(BENCH_OUT)/helpercost
BENCH_BINS	:= $(BENCH_WL_BINS) $(BENCH_REFS) $(BENCH_OUT)/peakrss $(BENCH_OUT)/verifstats $(BENCH_OUT)/pcteval \
		   $(BENCH_OUT)/gpwait

$(BENCH_OUT):
	$(call msg,MKDIR,$@)
	$(Q)mkdir -p $@

$(BENCH_OUT)/%.bpf.o: bench/%.bpf.c $(VMLINUX_H) | $(BENCH_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX_H)) \
		-idirafter /usr/include/$(shell $(CC) -print-multiarch) -MMD -MP -MF $@.d \
		-Wall -Werror -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BENCH_OUT)/%.skel.h: $(BENCH_OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BENCH_REFS): $(BENCH_OUT)/%: bench/%.c $(BENCH_OUT)/%.skel.h $(BENCH_OUT)/bench.o $(LOG_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(BENCH_OUT) -MMD -MP $< $(BENCH_OUT)/bench.o \
		$(LOG_OBJS) $(ALL_LDFLAGS) $(LIBS) -o $@

$(BENCH_OUT)/pcteval: bench/pcteval.c $(OUTPUT)/hist.o | $(BENCH_OUT)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $^ $(ALL_LDFLAGS) -lm -o $@

$(BENCH_OUT)/verifstats: bench/verifstats.c $(LOG_OBJS) | $(BENCH_OUT)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $^ $(ALL_LDFLAGS) $(LIBS) -o $@

$(BENCH_OUT)/gpwait: bench/gpwait.c $(BENCH_OUT)/bench.o $(LOG_OBJS) | $(BENCH_OUT)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $^ $(ALL_LDFLAGS) $(LIBS) -o $@

$(BENCH_OUT)/peakrss: bench/peakrss.c $(LOG_OBJS) | $(BENCH_OUT)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $< $(LOG_OBJS) $(ALL_LDFLAGS) -o $@

$(BENCH_OUT)/bench.o: bench/bench.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_WL_BINS): $(BENCH_OUT)/%: bench/%.c $(BENCH_OUT)/bench.o $(LOG_OBJS) | $(BENCH_OUT)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $^ $(ALL_LDFLAGS) -lpthread -o $@

# accuracy reads its own samples through latscope's histogram
$(BENCH_OUT)/accuracy: $(OUTPUT)/hist.o

# Root; about 5 minutes, QUICK=1 about 1.5.  Results: build/bench/results.{json,md}.
.PHONY: bench
bench: $(OUTPUT)/latscope $(BENCH_BINS)
	@QUICK='$(QUICK)' PYTHON='$(PYTHON)' bash bench/run.sh

.PHONY: deps
deps:
	@sh tools/install-deps.sh $(BUILD_PKGS) $(TEST_PKGS)

# What make test needs, checked without installing anything (make deps does).
.PHONY: deps-check
deps-check:
	@sh tools/install-deps.sh --check $(BUILD_PKGS) $(TEST_PKGS)

# The bench's statistics (bench/benchstat.py) are Python: docs/dependencies.md.
PYTHON		?= python3

.PHONY: unit-test
unit-test: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "  RUN      $$t"; \
		ASAN_OPTIONS=detect_leaks=1 $$t; done
	@echo "  RUN      tests/test_benchstat.py"
	@$(PYTHON) -m unittest tests/test_benchstat.py

# Touching a header rebuilds exactly the unit-test objects that include it.
.PHONY: build-test
build-test: $(UNIT_BINS)
	@MAKE='$(MAKE)' bash tests/build/header_deps.sh

# Integration tests load the real BPF programs: they need root.
.PHONY: integration-test
integration-test: all
	@bash tests/integration/run.sh

.PHONY: test
test: deps-check
	@$(MAKE) unit-test
	@$(MAKE) build-test
	@$(MAKE) fuzz-smoke
	@$(MAKE) integration-test

.PHONY: check
check: test

.PHONY: demo
demo: deps
	@$(MAKE) all
	@bash tools/demo.sh

.PHONY: install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(OUTPUT)/latscope $(DESTDIR)$(PREFIX)/bin/latscope
	install -m 0644 docs/latscope.8 $(DESTDIR)$(PREFIX)/share/man/man8/latscope.8

.PHONY: clean
clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT)

.DELETE_ON_ERROR:
.SECONDARY:

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/*.bpf.o.d $(OUTPUT)/tests/*.d $(SAN_OUT)/*.d)
-include $(wildcard $(OUTPUT)/bench/*.d $(FUZZ_OUT)/*.d)
