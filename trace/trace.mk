# trace/trace.mk: build, check and bench rules for trace/ (included by the top Makefile).
#
#   TRACE_RING_SRCS   the freestanding ring code hv compiles in (paths from the root)
#   build/hvtrace     the host tool: dump, import, stats, check, export, collect, synth
#   check-trace       host tests (ring and decoder under ASan/UBSan), end-to-end
#                     hvtrace tests on synthetic traces, bad input, collect,
#                     import (rows, plans, atomic replace, interruption), fuzz
#   bench-trace       ring push cost, import speed

TRACE_RING_SRCS := trace/ring.c

TRACE_BUILD := $(BUILD)/trace
TRACE_DEPS  := trace/hvt_format.h trace/ring.h include/hvlab/types.h include/hvlab/atomic.h

$(TRACE_BUILD):
	@mkdir -p $@

# Host tests of the ring, with sanitizers.
$(TRACE_BUILD)/ring_test: trace/test/ring_test.c trace/ring.c $(TRACE_DEPS) | $(TRACE_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ trace/test/ring_test.c trace/ring.c -lpthread

# The ring compiled as hv compiles it: proves it stays freestanding.
$(TRACE_BUILD)/ring_free.o: trace/ring.c $(TRACE_DEPS) | $(TRACE_BUILD)
	$(FREE_CC) $(FREE_CFLAGS) $(INCLUDES) -c -o $@ trace/ring.c

ALL += $(TRACE_BUILD)/ring_free.o

# hvtrace: main, one file per subcommand, reader/writer/names modules.
HVTRACE_LIB_SRCS := trace/hvtrace/reader.c trace/hvtrace/writer.c trace/hvtrace/names.c \
                    trace/hvtrace/u64map.c trace/hvtrace/record_str.c mmu/spte_decode.c
HVTRACE_SRCS := trace/hvtrace/hvtrace.c trace/hvtrace/dump.c trace/hvtrace/import.c \
                trace/hvtrace/import_meta.c trace/hvtrace/import_vtab.c trace/hvtrace/stats.c trace/hvtrace/check.c \
                trace/hvtrace/export_chrome.c trace/hvtrace/collect.c \
                trace/hvtrace/collect_shm.c trace/hvtrace/collect_stream.c trace/hvtrace/assemble.c \
                trace/hvtrace/synth.c trace/hvtrace/synth_mmu.c \
                $(HVTRACE_LIB_SRCS)
HVTRACE_HDRS := $(wildcard trace/hvtrace/*.h) $(TRACE_DEPS) mmu/spte_decode.h

# schema.sql compiled in as a C string (import runs it).
$(TRACE_BUILD)/schema_sql.c: trace/schema.sql | $(TRACE_BUILD)
	@awk 'BEGIN { print "const char hvt_schema_sql[] =" } \
	     { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\"" $$0 "\\n\"" } \
	     END { print ";" }' $< > $@

$(BUILD)/hvtrace: $(HVTRACE_SRCS) $(TRACE_BUILD)/schema_sql.c $(HVTRACE_HDRS) | $(TRACE_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ $(HVTRACE_SRCS) $(TRACE_BUILD)/schema_sql.c \
		-lsqlite3 -lpthread

# The same under ASan/UBSan for the tests.
$(TRACE_BUILD)/hvtrace-san: $(HVTRACE_SRCS) $(TRACE_BUILD)/schema_sql.c $(HVTRACE_HDRS) | $(TRACE_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ $(HVTRACE_SRCS) \
		$(TRACE_BUILD)/schema_sql.c -lsqlite3 -lpthread

ALL += $(BUILD)/hvtrace

# Host test programs (ASan/UBSan).
$(TRACE_BUILD)/names_test: trace/test/names_test.c trace/hvtrace/names.c $(TRACE_BUILD)/schema_sql.c $(HVTRACE_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ trace/test/names_test.c \
		trace/hvtrace/names.c $(TRACE_BUILD)/schema_sql.c -lsqlite3

$(TRACE_BUILD)/producer: trace/test/producer.c trace/ring.c $(TRACE_DEPS) | $(TRACE_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ trace/test/producer.c trace/ring.c -lpthread

# libFuzzer target for the decoder (clang only; skipped with a note if absent).
FUZZ_CC ?= clang
TRACE_FUZZ_SECONDS ?= 20
$(TRACE_BUILD)/fuzz_reader: trace/test/fuzz_reader.c $(HVTRACE_LIB_SRCS) $(HVTRACE_HDRS) | $(TRACE_BUILD)
	$(FUZZ_CC) -std=c11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(INCLUDES) -o $@ trace/test/fuzz_reader.c $(HVTRACE_LIB_SRCS)

TRACE_CHECK_BINS := $(TRACE_BUILD)/ring_test $(TRACE_BUILD)/ring_free.o $(TRACE_BUILD)/names_test \
                    $(TRACE_BUILD)/producer $(TRACE_BUILD)/hvtrace-san $(BUILD)/hvtrace

check-trace: $(TRACE_CHECK_BINS)
	@$(TRACE_BUILD)/ring_test
	@if nm $(TRACE_BUILD)/ring_free.o | grep -qE ' U (mem|str)'; then \
		echo "TEST trace.ring.freestanding FAIL ring.c calls libc"; \
	else echo "TEST trace.ring.freestanding PASS only env_cpu_relax is external"; fi
	@$(TRACE_BUILD)/names_test
	@bash trace/test/e2e.sh $(TOP)/$(TRACE_BUILD)/hvtrace-san $(TOP)/$(TRACE_BUILD)/producer $(TOP)/$(TRACE_BUILD)/e2e
	@bash trace/test/import_test.sh $(TOP)/$(TRACE_BUILD)/hvtrace-san $(TOP)/$(TRACE_BUILD)/import \
		$(TOP)/$(BUILD)/hvtrace
	@bash trace/test/fuzz.sh "$(FUZZ_CC)" $(TRACE_BUILD) $(TRACE_FUZZ_SECONDS) $(TOP)/$(TRACE_BUILD)/hvtrace-san

CHECKS += trace

.PHONY: check-trace

# Figures.
$(TRACE_BUILD)/ring_bench: trace/bench/ring_bench.c trace/ring.c $(TRACE_DEPS) | $(TRACE_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ trace/bench/ring_bench.c trace/ring.c -lpthread

$(TRACE_BUILD)/sqlite_limit: trace/bench/sqlite_limit.c $(TRACE_DEPS) | $(TRACE_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ trace/bench/sqlite_limit.c -lsqlite3

bench-trace: $(BUILD)/hvtrace $(TRACE_BUILD)/ring_bench $(TRACE_BUILD)/sqlite_limit
	@bash trace/bench/bench.sh $(BUILD)

BENCHES += trace

.PHONY: bench-trace
