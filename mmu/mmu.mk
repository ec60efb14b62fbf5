# mmu/mmu.mk: build, check and bench rules for mmu/ (included by the top Makefile).
#
# MMU_SRCS: the portable MMU, relative to the repo root. hv compiles them
# with $(FREE_CFLAGS) and provides mmu/env.h (hv/core/env.c); the host tests
# compile them with $(HOST_CFLAGS) $(SAN_FLAGS) and mmu/test/host_env.c.

# The TDP MMU's own files (the tests and the freestanding check use exactly
# these; the shadow MMU adds its files to MMU_SRCS from mmu/shadow.mk).
MMU_TDP_SRCS := mmu/spte.c mmu/spte_decode.c mmu/trace.c mmu/qsbr.c mmu/pages.c \
            mmu/tlb.c mmu/tdp_iter.c mmu/tdp_mmu.c mmu/tdp_fault.c mmu/memslot.c \
            mmu/dirty.c mmu/check.c mmu/vm.c \
            mmu/tdp_zap_flush.c mmu/tdp_teardown.c mmu/tdp_hole.c mmu/tdp_volatile.c
MMU_SRCS += $(MMU_TDP_SRCS)
MMU_HDRS := mmu/mmu.h mmu/env.h mmu/mmu_int.h mmu/spte.h mmu/spte_decode.h mmu/tdp_iter.h mmu/tdp_steps.h \
            include/hvlab/types.h include/hvlab/atomic.h include/hvlab/rwlock.h \
            trace/hvt_format.h

MMU_TEST_BIN  := $(BUILD)/mmu/test_tdp
MMU_BENCH_BIN := $(BUILD)/mmu/bench_tdp
MMU_FREE_OBJ  := $(BUILD)/mmu/free/mmu_free.o

ALL     += $(MMU_TEST_BIN) $(MMU_BENCH_BIN) $(MMU_FREE_OBJ)
CHECKS  += mmu
BENCHES += tdp

# Freestanding build of every MMU source: proves MMU_SRCS stays portable
# (no libc, no libgcc helpers: the link below refuses undefined symbols
# other than the env_* functions).
$(BUILD)/mmu/free/%.o: mmu/%.c $(MMU_HDRS)
	@mkdir -p $(dir $@)
	$(FREE_CC) $(FREE_CFLAGS) $(INCLUDES) -c $< -o $@

$(MMU_FREE_OBJ): $(patsubst mmu/%.c,$(BUILD)/mmu/free/%.o,$(MMU_TDP_SRCS))
	ld -r -o $@ $^
	@bad=$$(nm -u $@ | awk '{print $$2}' | grep -v '^env_' || true); \
	if [ -n "$$bad" ]; then echo "mmu: freestanding objects need: $$bad" >&2; rm -f $@; exit 1; fi

MMU_TEST_SRCS := mmu/test/host_env.c mmu/test/test_tdp.c
$(MMU_TEST_BIN): $(MMU_TDP_SRCS) $(MMU_TEST_SRCS) mmu/test/host_env.h mmu/test/tdp_harness.h $(MMU_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ $(MMU_TDP_SRCS) $(MMU_TEST_SRCS) -lpthread

$(MMU_BENCH_BIN): $(MMU_TDP_SRCS) mmu/test/host_env.c mmu/test/bench_tdp.c mmu/test/host_env.h mmu/test/tdp_harness.h $(MMU_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ $(MMU_TDP_SRCS) mmu/test/host_env.c mmu/test/bench_tdp.c -lpthread

check-mmu: $(MMU_TEST_BIN)
	ASAN_OPTIONS=detect_leaks=1 $(MMU_TEST_BIN)

bench-tdp: $(MMU_BENCH_BIN)
	$(MMU_BENCH_BIN)

.PHONY: check-mmu bench-tdp
