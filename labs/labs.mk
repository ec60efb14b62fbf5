# labs/labs.mk: build, check and bench rules for labs/ (included by the top Makefile).
#
#   make grade                 every lab, with the student files
#   make grade LAB=04          one lab
#   make grade LAB=04 SOLUTION=ref        the reference (the mmu/ file)
#   make grade LAB=04 WRONG=free_now      a shipped wrong answer (labs/04-*/wrong/)
#   check-labs                 every lab: full marks with ref, not with the
#                              skeleton nor with any wrong answer
#   bench-grade                BENCH grade.all_labs_s: `make grade` over all labs
#
# A lab build compiles ONE file (the student's, in place of the mmu/ file
# named by REPLACES in labs/NN-name/scenario) and links it with the main
# build's hv objects, listed for labs/grade.sh in build/labs/hv-objs.txt.

LAB_DIRS   := $(sort $(patsubst %/scenario,%,$(wildcard labs/*/scenario)))
LAB_GUESTS := $(sort $(foreach d,$(LAB_DIRS),$(shell sed -n 's/^GUEST=//p' $(d)/scenario)))
LAB_DEPS    = $(BUILD)/hv.elf $(BUILD)/hvtrace $(patsubst %,$(BUILD)/guests/%.elf,$(LAB_GUESTS)) \
              $(BUILD)/labs/hv-objs.txt $(BUILD)/labs/cflags.txt

LAB        ?=
SOLUTION   ?= student
WRONG      ?=
LAB_SEL     = $(if $(LAB),$(LAB),$(LAB_DIRS))
LAB_SOL     = $(if $(WRONG),wrong/$(WRONG),$(SOLUTION))

# Rewritten only when the object list or flags change (no needless relinks).
$(BUILD)/labs/hv-objs.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(HV_OBJS)' | cmp -s - $@ || echo '$(HV_OBJS)' > $@

$(BUILD)/labs/cflags.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(HV_CFLAGS)' | cmp -s - $@ || echo '$(HV_CFLAGS)' > $@

grade: $(LAB_DEPS)
	@bash labs/grade.sh -s $(LAB_SOL) $(LAB_SEL)

CHECKS  += labs
BENCHES += grade

check-labs: $(LAB_DEPS)
	@bash labs/check-labs.sh $(LAB_DIRS)

bench-grade: $(LAB_DEPS)
	@start=$$(date +%s.%N); bash labs/grade.sh -s ref $(LAB_DIRS) > $(BUILD)/labs/bench-grade.log 2>&1; \
	end=$$(date +%s.%N); \
	awk -v s=$$start -v e=$$end 'BEGIN { printf "BENCH grade.all_labs_s %.1f s\n", e - s }'

FORCE:
.PHONY: grade check-labs bench-grade FORCE
