# hvlab: a teaching hypervisor you can see through.
#
#   make            build everything into build/
#   make run        install missing packages, build, boot the default
#                   scenario, open the trace in hvtui (or print a summary)
#   make test       every test; ends with "N passed, N failed"
#   make bench      the figures, one "BENCH name value unit" line each
#   make qemu | bochs | iso | qemu-gdb   GUEST= MMU= SMP= CPU=  (hv/hv.mk)
#
# Each folder adds itself through its own fragment (hv/hv.mk, mmu/mmu.mk,
# ...): it appends build outputs to ALL, test groups to CHECKS (each with a
# target check-NAME that prints "TEST name PASS|FAIL ..." lines) and figure
# groups to BENCHES (bench-NAME printing "BENCH name value unit" lines).

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   ?= build
TOP     := $(abspath .)

# Host tools and tests.
HOST_CC     ?= cc
HOST_CFLAGS ?= -std=c11 -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
INCLUDES    := -I$(TOP)

# Freestanding code (hv and guests): no libc, no SSE, no red zone.
FREE_CC     ?= gcc
FREE_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
               -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
               -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
               -fno-asynchronous-unwind-tables -fno-omit-frame-pointer

ALL     :=
CHECKS  :=
BENCHES :=

include trace/trace.mk
include mmu/mmu.mk
include mmu/shadow.mk
include hv/hv.mk
include guests/guests.mk
include viz/viz.mk
include labs/labs.mk

all: $(ALL)

$(BUILD):
	@mkdir -p $@

deps:
	@bash scripts/deps.sh

run:
	@bash scripts/run.sh

test: all
	@bash scripts/test.sh $(CHECKS)

bench: all
	@bash scripts/bench.sh $(BENCHES)

clean:
	rm -rf $(BUILD)

.PHONY: all deps run test bench clean
