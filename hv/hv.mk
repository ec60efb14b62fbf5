# hv/hv.mk: build, check and bench rules for hv/ (included by the top Makefile).
#
#   make                   build/hv.elf (Multiboot v1, ELF32 for QEMU -kernel and
#                          GRUB), build/hv64.elf (ELF64 with symbols, for gdb),
#                          build/hv.sym (symbols) and build/hv.asm (disassembly)
#   make qemu              boot hv + a guest under QEMU (TCG -cpu max: SVM+NPT)
#   make qemu-gdb          the same, stopped for gdb on a per-user port
#       GUEST=hello MMU=tdp SMP=1 CPU=max MEM=32 ARGS="extra guest args"
#   check-hv-qemu          the QEMU boot tests (hv/test/qemu-tests.sh)
#   check-hv-unit          host unit tests (MMIO instruction decoder, emulated LAPIC)
#   bench-hv               BENCH boot.tcg_s: wall seconds from QEMU start to the
#                          guest's first console line
#
# The backends add their sources through their own fragments: HV_VMX_SRCS
# from hv/vmx/vmx.mk (Helper B's), HV_SVM_SRCS below.

HV_BUILD := $(BUILD)/hv

HV_BOOT_SRCS := hv/boot/entry.S hv/boot/trampoline.S
# klib (include/klib/README.md): the string functions, vsnprintf and
# parse_u64 that the guests link too, compiled here with hv's flags.
HV_KLIB_SRCS := $(wildcard include/klib/*.c)
HV_CORE_SRCS := hv/core/main.c hv/core/console.c \
                hv/core/panic.c hv/core/platform.c hv/core/palloc.c hv/core/pcpu.c \
                hv/core/idt.c hv/core/isr.S hv/core/apic.c hv/core/smp.c \
                hv/core/config.c hv/core/vendor_select.c hv/core/vm.c hv/core/loader.c \
                hv/core/guestmem.c hv/core/vcpu.c hv/core/request.c hv/core/exit.c \
                hv/core/io.c hv/core/msr.c hv/core/cr.c hv/core/mmio.c hv/core/emulate.c \
                hv/core/vlapic.c hv/core/hypercall.c hv/core/env.c hv/core/trace.c \
                hv/core/trace_port.c hv/core/tsc.c hv/core/shadow_exit.c hv/core/poweroff.c \
                hv/core/fault_loop.c
HV_SVM_SRCS  := hv/svm/svm.c hv/svm/svm_cpu.c hv/svm/vmcb_init.c hv/svm/svm_exit.c \
                hv/svm/svm_entry.S
HV_VMX_SRCS  :=
-include hv/vmx/vmx.mk
# The PAE PDPTE registers hv keeps for mmu=shadow guests (issue #4).
HV_CORE_SRCS += hv/core/pdpte.c

HV_SRCS = $(HV_BOOT_SRCS) $(HV_CORE_SRCS) $(HV_KLIB_SRCS) $(HV_SVM_SRCS) $(HV_VMX_SRCS) \
          $(MMU_SRCS) $(SHADOW_SRCS) $(SHADOW_MMU_SRCS) $(TRACE_RING_SRCS)
HV_OBJS = $(patsubst %,$(HV_BUILD)/obj/%.o,$(sort $(HV_SRCS)))
HV_CFLAGS := $(FREE_CFLAGS) $(INCLUDES) -MMD -MP

$(HV_BUILD)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	$(FREE_CC) $(HV_CFLAGS) -c $< -o $@

$(HV_BUILD)/obj/%.S.o: %.S
	@mkdir -p $(@D)
	$(FREE_CC) $(HV_CFLAGS) -c $< -o $@

-include $(shell find $(HV_BUILD)/obj -name '*.d' 2>/dev/null)

# One RWX load segment on purpose: hv maps all memory RWX with 2 MiB pages.
$(BUILD)/hv64.elf: $(HV_OBJS) hv/linker.ld
	@mkdir -p $(@D)
	ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T hv/linker.ld -o $@ $(HV_OBJS)

# QEMU's Multiboot loader takes only ELF32 (PLATFORMS.md): same bytes, 32-bit headers.
$(BUILD)/hv.elf: $(BUILD)/hv64.elf
	objcopy -O elf32-i386 $< $@

$(BUILD)/hv.sym: $(BUILD)/hv64.elf
	nm -n $< > $@

$(BUILD)/hv.asm: $(BUILD)/hv64.elf
	objdump -d -S $< > $@

# hv links the portable MMU in: until mmu/mmu.mk lists its sources there is
# nothing to link against, so hv is left out of "make all" (say so once).
ifneq ($(strip $(MMU_SRCS)),)
ALL += $(BUILD)/hv.elf $(BUILD)/hv.sym $(BUILD)/hv.asm
CHECKS  += hv-qemu
BENCHES += hv
else
$(info hv/hv.mk: MMU_SRCS is empty (mmu/mmu.mk): build/hv.elf is not built)
endif

# ---- host unit tests of hv code that does not need the machine ----
HV_UNIT_BINS := $(HV_BUILD)/test_emulate $(HV_BUILD)/test_vlapic
$(HV_BUILD)/test_emulate: hv/test/test_emulate.c hv/core/emulate.c hv/core/emulate.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ hv/test/test_emulate.c hv/core/emulate.c

$(HV_BUILD)/test_vlapic: hv/test/test_vlapic.c hv/core/vlapic.c hv/core/vlapic.h hv/core/vm.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ hv/test/test_vlapic.c hv/core/vlapic.c

ALL    += $(HV_UNIT_BINS)
CHECKS += hv-unit

check-hv-unit: $(HV_UNIT_BINS)
	@status=0; for t in $(HV_UNIT_BINS); do $$t || status=1; done; exit $$status

# ---- hv's own test guests (hv/test/guests/NAME/main.c), linked with the
# guest runtime that guests/guests.mk builds (guests/lib and its copy of
# klib; guests.mk is read after this file, so the list is spelled out) ----
HV_TGUEST_LIB = $(patsubst guests/%,$(BUILD)/guests/obj/%.o,$(wildcard guests/lib/*.c guests/lib/*.S)) \
                $(patsubst include/klib/%,$(BUILD)/guests/obj/klib/%.o,$(HV_KLIB_SRCS))
HV_TGUESTS    := $(patsubst hv/test/guests/%/main.c,%,$(wildcard hv/test/guests/*/main.c))

$(HV_BUILD)/tguests/obj/%.o: hv/test/guests/%.c
	@mkdir -p $(@D)
	$(FREE_CC) $(FREE_CFLAGS) $(INCLUDES) -Iguests/lib -MMD -MP -c $< -o $@

$(HV_BUILD)/tguests/%.elf64: $(HV_BUILD)/tguests/obj/%/main.o $(HV_TGUEST_LIB) guests/lib/guest.ld
	ld -m elf_x86_64 -nostdlib -z max-page-size=0x1000 -z noexecstack -T guests/lib/guest.ld \
		-o $@ $< $(HV_TGUEST_LIB)

$(HV_BUILD)/tguests/%.elf: $(HV_BUILD)/tguests/%.elf64
	objcopy -O elf32-i386 $< $@

HV_TGUEST_ELFS := $(patsubst %,$(HV_BUILD)/tguests/%.elf,$(HV_TGUESTS))
ALL += $(HV_TGUEST_ELFS)
# Keep the ELF64 (symbols, for gdb) and the objects: they are not intermediate.
.SECONDARY: $(HV_TGUEST_ELFS:.elf=.elf64) $(patsubst %,$(HV_BUILD)/tguests/obj/%/main.o,$(HV_TGUESTS))

# ---- running ----
GUEST ?= hello
MMU   ?= tdp
SMP   ?= 1
CPU   ?= max
MEM   ?= 32
QEMU_TIMEOUT ?= 30
QEMU_RUN_ARGS = -g $(GUEST) -m $(MMU) -s $(SMP) -c $(CPU) -M $(MEM) -t $(QEMU_TIMEOUT) \
                $(if $(ARGS),-a "$(ARGS)")

qemu: $(BUILD)/hv.elf $(BUILD)/guests/$(GUEST).elf
	@bash scripts/run-qemu.sh $(QEMU_RUN_ARGS)

qemu-gdb: $(BUILD)/hv.elf $(BUILD)/hv64.elf $(BUILD)/guests/$(GUEST).elf
	@bash scripts/qemu-gdb.sh $(QEMU_RUN_ARGS)

HV_TEST_GUESTS := hello exit3 triple badcall unbacked touch memslot permfault smp stress shadow_edit
check-hv-qemu: $(BUILD)/hv.elf $(patsubst %,$(BUILD)/guests/%.elf,$(HV_TEST_GUESTS)) $(HV_TGUEST_ELFS)
	@bash hv/test/qemu-tests.sh

bench-hv: $(BUILD)/hv.elf $(BUILD)/guests/hello.elf
	@bash hv/test/bench-boot.sh

.PHONY: qemu qemu-gdb check-hv-qemu check-hv-unit bench-hv

# ---- 32-bit and PAE guests (issue #4) ---------------------------------------
# check-paging32: guests/paging32 (32-bit protected mode on its own tables)
# in mode=32 (4 KiB + 4 MiB pages) and mode=pae (4 KiB + 2 MiB pages, XD):
# natively on QEMU, under hv mmu=tdp and mmu=shadow on QEMU (SVM) and Bochs
# (VMX); every guest check passes and the check lines are the same in each
# run of a platform; the QEMU shadow runs are traced and their traces pass
# hvtrace check (hv/test/paging32-check.sh, ~2 min: a Bochs run ~25 s).
# PAGING32_RUNS picks runs.
PAGING32_RUNS ?= qemu_native qemu_tdp qemu_shadow bochs_tdp bochs_shadow
CHECKS += paging32

check-paging32: $(BUILD)/hv.elf $(BUILD)/guests/paging32.elf $(BUILD)/hvtrace
	@PAGING32_RUNS="$(PAGING32_RUNS)" bash hv/test/paging32-check.sh

.PHONY: check-paging32

# check-pmatrix32: the permission matrix of 32-bit and PAE paging (issue #4):
# guests/paging32 with matrix=both (every P/RW/US/(XD)/A/D/PS combination at
# each level x CR0.WP/EFER.NXE/CR4.SMEP/SMAP(/PSE) x read/write/fetch from
# ring 0 and 3, against the in-guest SDM model guests/paging32/model32.c)
# natively on QEMU, under hv mmu=tdp and mmu=shadow on QEMU and Bochs
# (sampled); every run passes and the digests of the runs that follow the
# same rules are equal; and a hv whose guest walker reports I/D for a fetch
# in 32-bit paging with EFER.NXE=1 and no SMEP (SDM 4.7 says: only with
# CR4.PAE=1) must fail the mmu=shadow run: that mutant's mmu/gwalk_perm.c is
# made from the real one by one sed edit, and the build stops with a message
# if the edited line is gone (hv/test/pmatrix32-check.sh, ~45 s: Bochs
# mmu=shadow ~25 s of it).
CHECKS += pmatrix32
PMATRIX32_MUT := $(HV_BUILD)/pmatrix32-mutant

$(PMATRIX32_MUT)/gwalk_perm.c: mmu/gwalk_perm.c
	@mkdir -p $(@D)
	sed 's/((cpu->cr4 & GW_CR4_PAE) && (cpu->efer & GW_EFER_NXE))/(cpu->efer \& GW_EFER_NXE)/' $< >$@.tmp
	@if cmp -s $< $@.tmp; then rm -f $@.tmp; echo "check-pmatrix32: mmu/gwalk_perm.c no longer has the I/D line \
	the mutant edits ((cpu->cr4 & GW_CR4_PAE) && (cpu->efer & GW_EFER_NXE)): update the sed in hv/hv.mk" >&2; exit 1; fi
	@mv $@.tmp $@
$(PMATRIX32_MUT)/gwalk_perm.o: $(PMATRIX32_MUT)/gwalk_perm.c
	$(FREE_CC) $(HV_CFLAGS) -Immu -c $< -o $@
$(PMATRIX32_MUT)/hv64.elf: $(filter-out $(HV_BUILD)/obj/mmu/gwalk_perm.c.o,$(HV_OBJS)) \
		$(PMATRIX32_MUT)/gwalk_perm.o hv/linker.ld
	ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T hv/linker.ld -o $@ $(filter %.o,$^)
$(PMATRIX32_MUT)/hv.elf: $(PMATRIX32_MUT)/hv64.elf
	objcopy -O elf32-i386 $< $@
-include $(PMATRIX32_MUT)/gwalk_perm.d

check-pmatrix32: $(BUILD)/hv.elf $(BUILD)/guests/paging32.elf $(PMATRIX32_MUT)/hv.elf
	@PMATRIX32_MUTANT_HV=$(PMATRIX32_MUT)/hv.elf bash hv/test/pmatrix32-check.sh

.PHONY: check-pmatrix32
# ---- end of the 32-bit / PAE guests block -----------------------------------

# ---- a fault the MMU "fixes" forever (issues #4/#7) -------------------------
# check-hv-livelock: hv built with ONE deliberately wrong MMU file (as the
# labs build it, labs/grade.sh) must end such a run at once, status 112, with
# "the MMU keeps fixing a fault the CPU keeps raising" (hv/core/fault_loop.c):
#   shadow  hv/test/livelock/gwalk_perm_no_smep.c for mmu/gwalk_perm.c
#           (SMEP not applied: lab 02's smep_ignored), guest pmatrix
#   tdp     hv/test/livelock/tdp_hole_spurious.c for mmu/tdp_hole.c (an
#           all-ones hole fault called spurious), guest labhole
# under QEMU (SVM: shadow, NPT) and Bochs (VMX: shadow, EPT); the reference
# build runs the same guests to the end (no false alarm).
# hv/test/livelock-check.sh, ~20 s (the two Bochs runs ~5 s each).
HV_LIVELOCK_CASES := shadow:mmu/gwalk_perm.c:hv/test/livelock/gwalk_perm_no_smep.c \
                     tdp:mmu/tdp_hole.c:hv/test/livelock/tdp_hole_spurious.c

# hv_livelock_build NAME REPLACED WRONG: build/hv/livelock/NAME/hv.elf
define hv_livelock_build
$(HV_BUILD)/livelock/$(1)/wrong.o: $(3) $(2)
	@mkdir -p $$(@D)
	$$(FREE_CC) $$(HV_CFLAGS) -c $$< -o $$@
$(HV_BUILD)/livelock/$(1)/hv64.elf: $(filter-out $(HV_BUILD)/obj/$(2).o,$(HV_OBJS)) \
		$(HV_BUILD)/livelock/$(1)/wrong.o hv/linker.ld
	ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T hv/linker.ld -o $$@ $$(filter %.o,$$^)
$(HV_BUILD)/livelock/$(1)/hv.elf: $(HV_BUILD)/livelock/$(1)/hv64.elf
	objcopy -O elf32-i386 $$< $$@
endef
$(foreach c,$(HV_LIVELOCK_CASES),$(eval $(call hv_livelock_build,$(word 1,$(subst :, ,$(c))),$(word 2,$(subst :, ,$(c))),$(word 3,$(subst :, ,$(c))))))
HV_LIVELOCK_ELFS := $(foreach c,$(HV_LIVELOCK_CASES),$(HV_BUILD)/livelock/$(word 1,$(subst :, ,$(c)))/hv.elf)

CHECKS += hv-livelock
check-hv-livelock: $(BUILD)/hv.elf $(HV_LIVELOCK_ELFS) $(BUILD)/guests/pmatrix.elf \
		$(BUILD)/guests/labhole.elf $(BUILD)/hvtrace
	@bash hv/test/livelock-check.sh

.PHONY: check-hv-livelock
# ---- end of the livelock block ----------------------------------------------
