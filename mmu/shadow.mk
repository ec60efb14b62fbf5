# mmu/shadow.mk: build and check rules for the shadow MMU (guest walker, shadow pages).
#
#   make all          builds the shadow MMU freestanding (FREE_CFLAGS), as hv links it:
#                     $(BUILD)/shadow/shadow.o (one relocatable object, ld -r)
#   make check-gwalk  the walker's host tests under ASan/UBSan, then the
#                     freestanding check: the walker compiles with FREE_CFLAGS
#                     and needs nothing but env_* (mmu/env.h) and mmu_gpa_to_hpa
#   make bench-gwalk  ns per walk (4-level, PAE, 32-bit; with and without A/D writes)
#
# hv links MMU_SRCS (mmu/mmu.mk). The shadow MMU's sources are in SHADOW_SRCS
# and are NOT added to MMU_SRCS from here: a non-empty MMU_SRCS makes hv/hv.mk
# link build/hv.elf, which needs the rest of the MMU. When hv uses the walker
# (emulator or shadow paging), mmu/mmu.mk or hv/hv.mk adds $(SHADOW_SRCS).

SHADOW_SRCS      := mmu/gwalk.c mmu/gwalk_perm.c mmu/gwalk_format.c mmu/gwalk_vm.c
SHADOW_HDRS      := mmu/gwalk.h mmu/env.h mmu/mmu.h include/hvlab/types.h \
                    include/hvlab/atomic.h trace/hvt_format.h
# What the shadow MMU may need from outside: env.h, and the memslots.
SHADOW_EXTERNS   := ^env_|^mmu_gpa_to_hpa$$
SHADOW_FREE_OBJS := $(patsubst mmu/%.c,$(BUILD)/shadow/free/%.o,$(SHADOW_SRCS))
SHADOW_FREE_OBJ  := $(BUILD)/shadow/shadow.o

GWALK_TEST_SRCS  := mmu/test/test_gwalk.c mmu/test/test_gwalk_ref.c mmu/test/test_gwalk_env.c
GWALK_TEST_HDRS  := mmu/test/test_gwalk_ref.h
GWALK_TEST_BIN   := $(BUILD)/shadow/test_gwalk
GWALK_BENCH_BIN  := $(BUILD)/shadow/bench_gwalk

ALL      += $(SHADOW_FREE_OBJ)
CHECKS   += gwalk
BENCHES  += gwalk

$(BUILD)/shadow/free/%.o: mmu/%.c $(SHADOW_HDRS)
	@mkdir -p $(@D)
	$(FREE_CC) $(FREE_CFLAGS) $(INCLUDES) -c $< -o $@

# One object with the walker's internal references resolved: what is still
# undefined in it is exactly what the shadow MMU needs from outside.
$(SHADOW_FREE_OBJ): $(SHADOW_FREE_OBJS)
	@mkdir -p $(@D)
	ld -r -o $@ $^

$(GWALK_TEST_BIN): $(SHADOW_SRCS) $(GWALK_TEST_SRCS) $(SHADOW_HDRS) $(GWALK_TEST_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) $(SHADOW_SRCS) $(GWALK_TEST_SRCS) -o $@ -lpthread

# No sanitizers here: the figures are the walker's own cost.
$(GWALK_BENCH_BIN): $(SHADOW_SRCS) mmu/test/test_gwalk_bench.c mmu/test/test_gwalk_ref.c \
                    mmu/test/test_gwalk_env.c $(SHADOW_HDRS) $(GWALK_TEST_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) $(SHADOW_SRCS) mmu/test/test_gwalk_bench.c \
		mmu/test/test_gwalk_ref.c mmu/test/test_gwalk_env.c -o $@

bench-gwalk: $(GWALK_BENCH_BIN)
	@$(GWALK_BENCH_BIN)

# Freestanding check: build, then list undefined symbols; only SHADOW_EXTERNS may remain.
define GWALK_FREE_CHECK
if ! $(MAKE) -s --no-print-directory $(SHADOW_FREE_OBJ) >$(BUILD)/shadow/free.log 2>&1; then \
	echo "TEST gwalk_freestanding FAIL FREE_CFLAGS build failed (see $(BUILD)/shadow/free.log)"; false; \
else \
	undef=$$(nm -u $(SHADOW_FREE_OBJ) | awk '{print $$2}' | grep -Ev '$(SHADOW_EXTERNS)' | tr '\n' ' '); \
	if [ -z "$$undef" ]; then \
		echo "TEST gwalk_freestanding PASS $(SHADOW_SRCS) with FREE_CFLAGS; needs only $$(nm -u $(SHADOW_FREE_OBJ) | awk '{print $$2}' | tr '\n' ' ')"; \
	else \
		echo "TEST gwalk_freestanding FAIL undefined outside env.h: $$undef"; false; \
	fi; \
fi
endef

check-gwalk: $(GWALK_TEST_BIN)
	@mkdir -p $(BUILD)/shadow; rc=0; \
	$(GWALK_TEST_BIN) || rc=1; \
	{ $(GWALK_FREE_CHECK); } || rc=1; \
	exit $$rc

.PHONY: check-gwalk bench-gwalk

# ---- the shadow MMU proper (mmu/SHADOW.md 5): shadow pages, fault, sync ----
#   make check-shadow   host tests under ASan/UBSan (TEST shadow.* lines)
#   make bench-shadow   exits per guest PTE write (with / without unsync),
#                       SPTE writes per changed gPTE in sync (seed 000: 1.00)
SHADOW_MMU_SRCS  := mmu/shadow_page.c mmu/shadow_fault.c mmu/shadow_sync.c mmu/shadow_sync_leaf.c mmu/shadow_zap.c mmu/shadow_check.c mmu/shadow_budget.c
SHADOW_MMU_HDRS  := mmu/shadow_int.h mmu/gwalk.h $(MMU_HDRS)
SHADOW_TEST_BIN  := $(BUILD)/shadow/test_shadow
SHADOW_BENCH_BIN := $(BUILD)/shadow/bench_shadow
# The whole MMU with shadow paging, freestanding: only env_* may stay undefined.
SHADOW_MMU_FREE  := $(BUILD)/shadow/shadow_mmu.o

ALL     += $(SHADOW_TEST_BIN) $(SHADOW_MMU_FREE)
CHECKS  += shadow
BENCHES += shadow

$(SHADOW_MMU_FREE): $(patsubst mmu/%.c,$(BUILD)/shadow/free/%.o,$(SHADOW_SRCS) $(SHADOW_MMU_SRCS)) \
                    $(patsubst mmu/%.c,$(BUILD)/mmu/free/%.o,$(MMU_TDP_SRCS))
	@mkdir -p $(@D)
	ld -r -o $@ $^
	@bad=$$(nm -u $@ | awk '{print $$2}' | grep -v '^env_' || true); \
	if [ -n "$$bad" ]; then echo "shadow: freestanding MMU needs: $$bad" >&2; rm -f $@; exit 1; fi

$(BUILD)/shadow/free/shadow_%.o: mmu/shadow_%.c $(SHADOW_MMU_HDRS)
	@mkdir -p $(@D)
	$(FREE_CC) $(FREE_CFLAGS) $(INCLUDES) -c $< -o $@

SHADOW_TEST_ALL := $(MMU_TDP_SRCS) $(SHADOW_SRCS) $(SHADOW_MMU_SRCS) mmu/test/host_env.c
$(SHADOW_TEST_BIN): $(SHADOW_TEST_ALL) mmu/test/test_shadow.c mmu/test/shadow_harness.h mmu/test/host_env.h \
                    $(SHADOW_MMU_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ $(SHADOW_TEST_ALL) mmu/test/test_shadow.c -lpthread

$(SHADOW_BENCH_BIN): $(SHADOW_TEST_ALL) mmu/test/bench_shadow.c mmu/test/shadow_harness.h mmu/test/host_env.h \
                     $(SHADOW_MMU_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ $(SHADOW_TEST_ALL) mmu/test/bench_shadow.c -lpthread

check-shadow: $(SHADOW_TEST_BIN)
	@ASAN_OPTIONS=detect_leaks=1 $(SHADOW_TEST_BIN)

bench-shadow: $(SHADOW_BENCH_BIN)
	@$(SHADOW_BENCH_BIN)

.PHONY: check-shadow bench-shadow

# ---- in-guest: the same guests under mmu=shadow and mmu=tdp (QEMU TCG, SVM) ----
CHECKS += shadow-qemu
check-shadow-qemu: $(BUILD)/hv.elf $(patsubst %,$(BUILD)/guests/%.elf,hello touch permfault shadow_edit smp stress paging32 pmatrix) \
		   $(BUILD)/hvtrace
	@BUILD=$(BUILD) bash mmu/test/test_shadow_qemu.sh

.PHONY: check-shadow-qemu
