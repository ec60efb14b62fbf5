# hv/vmx/vmx.mk: the Intel VMX backend's sources, and running hv on Bochs
# (the only VMX + EPT platform here: /work/shared/PLATFORMS.md).
#
#   make iso     GUEST= MMU= SMP=       build/hvlab.iso: GRUB + hv.elf + the guest
#   make bochs   GUEST= MMU= SMP= CPU=  boot it in Bochs; exits with the guest's code
#                (CPU= a Bochs model, default corei7_skylake_x: VMX, EPT,
#                unrestricted guest). TRACE=port (default) streams the trace
#                through the parallel port (hv/core/trace_port.c) into
#                build/bochs/trace.hvt; TRACE=off does not
#   check-hv-bochs   the Bochs boot tests ("TEST hv_bochs.NAME PASS|FAIL detail",
#                    scenarios in hv/vmx/check-bochs.sh; test guests in hv/vmx/test/)
#   bench-hv-bochs   BENCH boot.bochs_s: wall seconds from Bochs start to the
#                    guest's first console line
#
# Included from hv/hv.mk, which links HV_VMX_SRCS into build/hv.elf.

HV_VMX_SRCS := hv/vmx/vmx.c hv/vmx/vmx_cpu.c hv/vmx/vmcs.c hv/vmx/vmx_exit.c \
               hv/vmx/vmx_ept.c hv/vmx/vmx_realmode.c hv/vmx/vmx_entry.S

# GUEST, MMU, SMP, MEM and ARGS are shared with make qemu (hv/hv.mk, which
# includes this file first: the prerequisites below need the defaults now).
GUEST ?= hello
MMU   ?= tdp
SMP   ?= 1
MEM   ?= 32
# CPU there names a QEMU model; for Bochs only a CPU= given on the command
# line counts (`bochs --help cpu` lists the models).
BOCHS_CPU     = $(if $(filter command line environment,$(origin CPU)),$(CPU),corei7_skylake_x)
BOCHS_MEGS    = $(shell echo $$(( $(MEM) + 224 )))
TRACE        ?= port
BOCHS_TIMEOUT ?= 60

BOCHS_ISO := $(BUILD)/hvlab.iso
BOCHS_DIR := $(BUILD)/bochs

# The guest's line carries the scenario (hv/core/config.h); hv's own line
# only how the trace leaves the machine.
BOCHS_HV_ARGS    = $(if $(filter port,$(TRACE)),trace=port)
BOCHS_GUEST_ARGS = mmu=$(MMU) vcpus=$(SMP) mem=$(MEM) $(ARGS)

iso: $(BUILD)/hv.elf $(BUILD)/guests/$(GUEST).elf
	@bash scripts/mkiso.sh $(BOCHS_ISO) $(BUILD)/hv.elf "$(BOCHS_HV_ARGS)" \
		$(BUILD)/guests/$(GUEST).elf "$(BOCHS_GUEST_ARGS)"
	@echo "# $(BOCHS_ISO): hv.elf $(BOCHS_HV_ARGS) + $(GUEST).elf $(BOCHS_GUEST_ARGS)"

bochs: iso $(if $(filter port,$(TRACE)),$(BUILD)/hvtrace)
	@bash scripts/run-bochs.sh -t $(BOCHS_TIMEOUT) -c $(BOCHS_CPU) -s $(SMP) -m $(BOCHS_MEGS) -d $(BOCHS_DIR) \
		$(if $(filter port,$(TRACE)),-T $(BOCHS_DIR)/trace.hvt) $(BOCHS_ISO)

.PHONY: iso bochs

# ---- tests and bench (hv/vmx/check-bochs.sh) ----
HV_BOCHS_GUESTS := hello exit3 badcall triple unbacked permfault memslot smp shadow_edit stress paging32
ifneq ($(strip $(MMU_SRCS)),)
CHECKS  += hv-bochs
BENCHES += hv-bochs
endif

check-hv-bochs: $(BUILD)/hv.elf $(patsubst %,$(BUILD)/guests/%.elf,$(HV_BOCHS_GUESTS)) $(BUILD)/hvtrace \
		$(BUILD)/hv/tguests/poweroff.elf
	@FREE_CC="$(FREE_CC)" FREE_CFLAGS="$(FREE_CFLAGS)" GUEST_LIB_OBJS="$(GUEST_LIB_OBJS)" \
		bash hv/vmx/check-bochs.sh $(BUILD)/hv.elf $(BUILD)/guests

bench-hv-bochs: $(BUILD)/hv.elf $(BUILD)/guests/hello.elf
	@bash hv/vmx/check-bochs.sh --bench $(BUILD)/hv.elf $(BUILD)/guests

.PHONY: check-hv-bochs bench-hv-bochs
