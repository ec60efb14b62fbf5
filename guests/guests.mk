# guests/guests.mk: build, check and bench rules for guests/ (included by the top Makefile).
#
# Every folder guests/<name>/ with a main.c is a guest program, linked with
# the runtime in guests/lib/ into build/guests/<name>.elf: an ELF64 image
# at 1 MiB converted to ELF32 (QEMU's -kernel and GRUB's "multiboot" take
# Multiboot v1 ELF32 only; the 32-bit entry switches to long mode itself).
# Adding a guest is adding a folder.

GUEST_BUILD     := $(BUILD)/guests
GUEST_CFLAGS    := $(FREE_CFLAGS) $(INCLUDES) -Iguests/lib -MMD -MP
GUEST_LDFLAGS   := -m elf_x86_64 -nostdlib -z max-page-size=0x1000 -z noexecstack -T guests/lib/guest.ld
GUEST_LIB_SRCS  := $(wildcard guests/lib/*.c guests/lib/*.S)
# klib (include/klib/README.md): the C library hv links too, compiled here
# with the guests' flags into build/guests/obj/klib/.
GUEST_KLIB_SRCS := $(wildcard include/klib/*.c)
GUEST_LIB_OBJS  := $(patsubst guests/%,$(GUEST_BUILD)/obj/%.o,$(GUEST_LIB_SRCS)) \
                   $(patsubst include/klib/%,$(GUEST_BUILD)/obj/klib/%.o,$(GUEST_KLIB_SRCS))
GUEST_NAMES     := $(sort $(patsubst guests/%/main.c,%,$(wildcard guests/*/main.c)))
GUEST_ELFS      := $(patsubst %,$(GUEST_BUILD)/%.elf,$(GUEST_NAMES))

GUEST_HOST_TESTS := $(GUEST_BUILD)/klib/format_test $(GUEST_BUILD)/klib/string_test \
                    $(GUEST_BUILD)/bootinfo_test

ALL    += $(GUEST_ELFS) $(GUEST_HOST_TESTS)
CHECKS += guests-lib guests-native

$(GUEST_BUILD)/obj/%.c.o: guests/%.c
	@mkdir -p $(@D)
	$(FREE_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_BUILD)/obj/%.S.o: guests/%.S
	@mkdir -p $(@D)
	$(FREE_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_BUILD)/obj/klib/%.c.o: include/klib/%.c
	@mkdir -p $(@D)
	$(FREE_CC) $(GUEST_CFLAGS) -c $< -o $@

# One link rule per guest: its own objects plus the runtime.
define GUEST_RULES
GUEST_OBJS_$(1) := $$(patsubst guests/%,$(GUEST_BUILD)/obj/%.o,$$(wildcard guests/$(1)/*.c guests/$(1)/*.S))
$(GUEST_BUILD)/$(1).elf64: $$(GUEST_OBJS_$(1)) $(GUEST_LIB_OBJS) guests/lib/guest.ld
	ld $(GUEST_LDFLAGS) -o $$@ $$(GUEST_OBJS_$(1)) $(GUEST_LIB_OBJS)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_RULES,$(g))))

$(GUEST_BUILD)/%.elf: $(GUEST_BUILD)/%.elf64
	objcopy -O elf32-i386 $< $@

-include $(shell find $(GUEST_BUILD)/obj -name '*.d' 2>/dev/null)

# Host unit tests of the runtime's portable parts and of klib (ASan/UBSan):
# each test file #includes the .c files it tests.
$(GUEST_BUILD)/%_test: guests/lib/test/%_test.c guests/lib/%.c $(wildcard guests/lib/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -Wno-format $(INCLUDES) -o $@ $<

$(GUEST_BUILD)/bootinfo_test: include/klib/number.c include/klib/klib.h

$(GUEST_BUILD)/klib/%_test: include/klib/test/%_test.c $(GUEST_KLIB_SRCS) include/klib/klib.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -Wno-format $(INCLUDES) -o $@ $<

check-guests-lib: $(GUEST_HOST_TESTS)
	@status=0; for t in $(GUEST_HOST_TESTS); do $$t || status=1; done; exit $$status

# Run each guest that makes sense without hv under plain QEMU TCG.
check-guests-native: $(GUEST_ELFS)
	@bash guests/native-check.sh $(GUEST_BUILD)

# Every guest under hv (QEMU, SVM + NPT). Not in CHECKS: hv's tests gate CI.
check-guests-hv: $(GUEST_ELFS) $(BUILD)/hv.elf
	@bash guests/hv-check.sh $(if $(MMU),$(MMU),tdp)

.PHONY: check-guests-lib check-guests-native check-guests-hv

# ---- huge pages in the guest and trace overhead (issues #3, #5) ----------
# check-huge-qemu: guests/touch1g under hv on QEMU (mem=2048) touches a
# 1 GiB region at 1 GiB / 2 MiB / 4 KiB strides through its own 1 GiB
# page (and again through 2 MiB guest pages); the trace must map it with a
# level-3 leaf SPTE (guests/huge-check.sh).
# check-huge-bochs: the same on Bochs (VMX + EPT), which takes at most
# 2048 MiB: machine 2048 MiB, guest mem=1024 backed by host [1 GiB, 2 GiB),
# touch1g span=512M touches 512 MiB inside its own RAM (the 1 GiB region is
# gpa [0, 1 GiB)); the trace must show the level-3 EPT leaf (about 60 s).
CHECKS += huge-qemu huge-bochs

check-huge-qemu: $(GUEST_BUILD)/touch1g.elf $(BUILD)/hv.elf $(BUILD)/hvtrace
	@bash guests/huge-check.sh

check-huge-bochs: $(GUEST_BUILD)/touch1g.elf $(BUILD)/hv.elf $(BUILD)/hvtrace
	@bash guests/huge-check.sh bochs

# bench-trace-overhead: guests/zaploop's own TSC-timed fault/zap loop under
# hv, traced and untraced (run-qemu.sh -T), on an instruction clock (icount)
# and on the host clock
# (guests/trace-overhead-bench.sh says what each side includes).
BENCHES += trace-overhead

bench-trace-overhead: $(GUEST_BUILD)/zaploop.elf $(BUILD)/hv.elf $(BUILD)/hvtrace
	@bash guests/trace-overhead-bench.sh

.PHONY: check-huge-qemu check-huge-bochs bench-trace-overhead
# ---- end of the huge-pages / trace-overhead block -------------------------

# ---- permission matrix (issue #4) -----------------------------------------
# check-pmatrix: guests/pmatrix (every PTE-bit combination at one level x
# CR0.WP/EFER.NXE/CR4.SMEP/SMAP x read/write/fetch from ring 0 and 3, checked
# against an in-guest model of SDM 4.6-4.8) natively on QEMU, under hv
# mmu=tdp and mmu=shadow on QEMU and on Bochs; each run passes all its groups
# and the digests of the runs on one platform are equal (guests/pmatrix/check.sh).
CHECKS += pmatrix

check-pmatrix: $(GUEST_BUILD)/pmatrix.elf $(BUILD)/hv.elf
	@bash guests/pmatrix/check.sh

.PHONY: check-pmatrix
# ---- end of the permission-matrix block -----------------------------------

# ---- 32-bit guests (issue #4) ---------------------------------------------
# A folder guests/<name>/ whose program is main32.c is a 32-bit guest: every
# .c and .S in it is built with -m32 and linked by its own link32.ld into an
# ELF32 Multiboot image (no long mode, no guests/lib: that runtime is 64-bit;
# guests/paging32/rt32.c is its own), with klib compiled -m32 too
# (obj32/klib/). gcc -m32 -ffreestanding needs no multilib, but there is no
# 32-bit libgcc: no 64-bit division in them (klib's vsnprintf has none).
GUEST32_CFLAGS := $(filter-out -mno-red-zone,$(FREE_CFLAGS)) -m32 -march=i686 $(INCLUDES) -MMD -MP
GUEST32_NAMES  := $(sort $(patsubst guests/%/main32.c,%,$(wildcard guests/*/main32.c)))
GUEST32_ELFS   := $(patsubst %,$(GUEST_BUILD)/%.elf,$(GUEST32_NAMES))
ALL += $(GUEST32_ELFS)

$(GUEST_BUILD)/obj32/%.c.o: guests/%.c
	@mkdir -p $(@D)
	$(FREE_CC) $(GUEST32_CFLAGS) -c $< -o $@

$(GUEST_BUILD)/obj32/%.S.o: guests/%.S
	@mkdir -p $(@D)
	$(FREE_CC) $(GUEST32_CFLAGS) -c $< -o $@

GUEST32_KLIB_OBJS := $(patsubst include/klib/%,$(GUEST_BUILD)/obj32/klib/%.o,$(GUEST_KLIB_SRCS))
$(GUEST_BUILD)/obj32/klib/%.c.o: include/klib/%.c
	@mkdir -p $(@D)
	$(FREE_CC) $(GUEST32_CFLAGS) -c $< -o $@

define GUEST32_RULES
GUEST32_OBJS_$(1) := $$(patsubst guests/%,$(GUEST_BUILD)/obj32/%.o,$$(wildcard guests/$(1)/*.c guests/$(1)/*.S))
$(GUEST_BUILD)/$(1).elf: $$(GUEST32_OBJS_$(1)) $(GUEST32_KLIB_OBJS) guests/$(1)/link32.ld
	ld -m elf_i386 -nostdlib -z max-page-size=0x1000 -z noexecstack -T guests/$(1)/link32.ld \
		-o $$@ $$(GUEST32_OBJS_$(1)) $(GUEST32_KLIB_OBJS)
endef
$(foreach g,$(GUEST32_NAMES),$(eval $(call GUEST32_RULES,$(g))))
-include $(shell find $(GUEST_BUILD)/obj32 -name '*.d' 2>/dev/null)
# ---- end of the 32-bit guests block ----------------------------------------
