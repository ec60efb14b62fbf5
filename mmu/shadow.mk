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

SHADOW_SRCS      := mmu/gwalk.c mmu/gwalk_format.c mmu/gwalk_vm.c
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
