#!/usr/bin/env bash
# qemu-tests.sh: hv's boot tests under QEMU TCG (-cpu max: SVM + NPT).
# Each case boots build/hv.elf with one guest (scripts/run-qemu.sh, 30 s
# limit), then checks the run's status and console. One line per case:
#   TEST hv.<case> PASS|FAIL <detail>
# Logs: build/qemu-test/<case>.log
set -u
OUT=build/qemu-test
mkdir -p "$OUT"
fails=0

# run CASE STATUS_WANTED PATTERN RUN-QEMU-ARGS...: PATTERN (grep -E) must
# appear in the log, and no guest "TEST ... FAIL" line may.
run() {
	local name=$1 want=$2 pattern=$3; shift 3
	local log=$OUT/$name.log
	bash scripts/run-qemu.sh -o "$OUT/$name" -t 30 "$@" >"$log" 2>&1
	local st=$?
	local detail="status $st (want $want)"
	if [ "$st" != "$want" ]; then
		echo "TEST hv.$name FAIL $detail; $(grep -E '^hv: ' "$log" | tail -1) (log $log)"
	elif ! grep -qE "$pattern" "$log"; then
		echo "TEST hv.$name FAIL $detail but no line matching '$pattern' (log $log)"
	elif grep -qE '^TEST [^ ]+ FAIL' "$log"; then
		echo "TEST hv.$name FAIL guest check failed: $(grep -E '^TEST [^ ]+ FAIL' "$log" | head -1)"
	else
		echo "TEST hv.$name PASS $detail; $(grep -E "$pattern" "$log" | head -1 | cut -c1-100)"
		return 0
	fi
	fails=$((fails + 1))
}

run hello 0 '^hv: guest exit with code 0' -T -g hello
run exit3 3 '^hv: guest exit with code 3' -T -g exit3
run triple 112 '^hv: guest triple fault' -T -g triple
# Malformed hypercalls: the guest checks every error code (and exits 0 if
# all are right); hv reports the first failure of each number.
run badcall 0 '^hv: vCPU 0: hypercall 1 \(console_write\) .* failed with -14' -T -g badcall
run badcall_fatal 2 '^hv: vCPU 0: hypercall 1 \(console_write\) .* failed with -14' -T -g badcall -a fatal=1
# Exit codes above 111 are hv's own statuses (include/hvlab/hypercall.h):
# 111 passes through, 114 must end as guest-fatal (112), never as a "panic".
run badcall_exit111 111 '^hv: guest exit with code 111' -T -g badcall -a exit=111
run badcall_exit114 112 '^hv: guest asked to exit with code 114 \(vCPU 0\): codes above 111' -T -g badcall -a exit=114
run badcall_exit300 112 '^hv: guest asked to exit with code 300 ' -T -g badcall -a exit=300
run unbacked 112 '^hv: guest touched unbacked gpa 0x[0-9a-f]+ at rip 0x' -T -g unbacked
# mmu_check=1: hv checks every MMU invariant after the guest is done.
run touch 0 '^hv: mmu_check: every MMU invariant holds' -T -g touch -a mmu_check=1
run memslot 0 '^hv: mmu_check: every MMU invariant holds' -T -g memslot -a mmu_check=1
run permfault 0 '^hv: guest exit with code 0' -T -g permfault
run smp2 0 '^TEST smp_cpu1 PASS' -T -g smp -s 2
# The fatal path: reason, the exit being handled, the guest's registers.
if run panic 114 '^hv: PANIC on cpu 0: self test' -T -g hello -a hv_selftest=panic; then
	log=$OUT/panic.log
	if grep -q '^hv:   in exit hypercall (kind 8) raw reason 0x81' "$log" &&
	   grep -qE '^hv:   rip [0-9a-f]{16} rflags' "$log" && grep -q '^hv:   VMCB at' "$log"; then
		echo "TEST hv.panic_dump PASS exit, guest registers and VMCB printed"
	else
		echo "TEST hv.panic_dump FAIL the panic did not print the exit, registers and VMCB (log $log)"
	fi
fi
run nocap_npt 113 '^hv: cannot run: SVM without NPT' -T -g hello -c qemu64,+svm -m tdp
# ... and the mode that message names still works there.
run shadow_nonpt 0 '^hv: guest exit with code 0' -T -g hello -c qemu64,+svm -m shadow
run nocap_svm 113 '^hv: cannot run: this CPU has neither VMX nor SVM' -T -g hello -c qemu64,-svm
run smp4 0 '^TEST smp_counter PASS' -T -g smp -s 4
# Zaps and aging with remote TLB flushes while 3 vCPUs fault (request + kick + wait).
run stress3 0 '^TEST stress_cpu2 PASS' -T -g stress -s 3
run stress3_check 0 '^hv: mmu_check: every MMU invariant holds' -T -g stress -s 3 -a mmu_check=1
# hv's own guest (hv/test/guests/lapic): emulated LAPIC, IPIs, HLT wake-up,
# all-ones MMIO, ports without a device.
run hang 112 'the guest can never continue' -T -g build/hv/tguests/hang.elf -s 2
run cr4 0 '^TEST cr4_vmxe_gp PASS' -T -g build/hv/tguests/cr4.elf
# The power-off ports used directly (hv/core/poweroff.c): the VM ends with
# the guest's code and is torn down; isa-debug-exit no longer ends QEMU.
# A vCPU that never stops (hv_selftest=nostop: the APs never report it):
# the end of the run is bounded, names the vCPU, skips the teardown and
# still ends with the guest's status.
run nostop 0 '^hv: VM not torn down: vCPU mask 0x2' -T -g smp -s 2 -a hv_selftest=nostop
run poweroff_debug 7 '^hv: VM torn down' -T -g build/hv/tguests/poweroff.elf -a "how=debug code=7"
run poweroff_debug200 112 '^hv: guest asked to exit with code 200 through isa-debug-exit' -T -g build/hv/tguests/poweroff.elf -a "how=debug code=200"
run poweroff_bochs 0 '^hv: guest exit with code 0 through the Bochs shutdown port' -T -g build/hv/tguests/poweroff.elf -a how=bochs
run lapic_ipi 0 '^TEST lapic_ipi_cpu2 PASS' -T -g build/hv/tguests/lapic.elf -s 3

# The trace: hv's rings in QEMU's shared RAM file, copied out by hvtrace
# collect while QEMU runs (only when trace/ has built the tool).
if [ -x build/hvtrace ]; then
	if run trace 0 '^run-qemu: trace: ' -g hello; then
		hvt=$OUT/trace/hello.hvt
		chk=$(build/hvtrace check "$hvt" 2>&1 | tail -1)
		kinds=$(build/hvtrace stats "$hvt" 2>/dev/null | awk '$1 == "event" {print $2}' | tr '\n' ' ')
		if [[ "$chk" == OK* ]] && [[ " $kinds" == *" exit "* ]] && [[ " $kinds" == *" hypercall "* ]] &&
		   [[ " $kinds" == *" spte_change "* ]]; then
			echo "TEST hv.trace_records PASS $chk; events: $kinds"
		else
			echo "TEST hv.trace_records FAIL check: $chk; events: $kinds"
		fi
	fi
	# Several rings written at once (3 vCPUs faulting, zaps, remote flushes).
	if run trace_smp 0 '^run-qemu: trace: ' -g stress -s 3; then
		hvt=$OUT/trace_smp/stress.hvt
		chk=$(build/hvtrace check "$hvt" 2>&1 | tail -1)
		kinds=$(build/hvtrace stats "$hvt" 2>/dev/null | awk '$1 == "event" {print $2}' | tr '\n' ' ')
		if [[ "$chk" == OK* ]] && [[ " $kinds" == *" marker "* ]]; then
			echo "TEST hv.trace_smp_check PASS $chk; HC_MARKER records present"
		else
			echo "TEST hv.trace_smp_check FAIL $chk; events: $kinds"
		fi
	fi
	# The end of the run destroys the VM (hv/core/vm.c, hv/README.md): after
	# the guest's exit hypercall the trace has the teardown's SPTE changes
	# and its flush, and every page table allocated was freed by then (TDP:
	# pt_lifetimes; the 3-vCPU run above, so the other vCPUs were stopped
	# first). Under mmu=shadow the shadow pages are zapped the same way.
	teardown_case() {
		local name=$1 hvt=$2 log=$3 db=${2%.hvt}.db row
		rm -f "$db"
		if ! grep -q '^hv: VM torn down' "$log" || ! build/hvtrace import "$hvt" "$db" >/dev/null 2>&1; then
			echo "TEST hv.$name FAIL no 'hv: VM torn down' line or no trace to import (log $log)"
			return
		fi
		row=$(sqlite3 -separator ' ' "$db" "WITH x AS (SELECT max(seq) AS s FROM events WHERE type = 15 AND a = 2)
			SELECT (SELECT count(*) FROM events, x WHERE type = 1 AND seq > x.s),
			       (SELECT count(*) FROM events, x WHERE type = 2 AND seq > x.s),
			       (SELECT count(*) FROM events WHERE type = 1 AND reason = 12),
			       (SELECT count(*) FROM pt_lifetimes WHERE free_seq IS NULL) FROM x")
		read -r changes flushes teardown alive <<<"$row"
		if [ "${changes:-0}" -gt 0 ] && [ "${flushes:-0}" -ge 1 ] && [ "${alive:-1}" = 0 ] &&
		   [ "${teardown:-0}" -gt 0 ]; then
			echo "TEST hv.$name PASS after the exit hypercall: $changes SPTE changes ($teardown teardown), $flushes flush(es); $alive $4 tables never freed"
		else
			echo "TEST hv.$name FAIL after the exit hypercall: $changes SPTE changes ($teardown teardown), $flushes flush(es); $alive $4 tables never freed (trace $hvt)"
		fi
	}
	# A traced mmu=shadow run (issues #3/#4): the trace passes hvtrace check
	# (T1..T3); every shadow table (pt_alloc with the shadow flag 8) has its
	# own pt_free by the end of the run (zap, flood, root eviction, mode
	# change or the VM teardown), each after a flush that follows its unlink
	# (pt_lifetimes.flush_seq); and from the teardown's first write on every
	# SPTE change has reason teardown (12), one per SPTE present then.
	shadow_tables_case() {
		local name=$1 hvt=$2 db=${2%.hvt}.db chk row
		chk=$(build/hvtrace check "$hvt" 2>&1 | tail -1)
		rm -f "$db"
		if [[ "$chk" != OK* ]] || ! build/hvtrace import "$hvt" "$db" >/dev/null 2>&1; then
			echo "TEST hv.$name FAIL hvtrace check: $chk (trace $hvt)"
			return
		fi
		row=$(sqlite3 -separator ' ' "$db" "WITH s AS (SELECT * FROM pt_lifetimes p
				WHERE EXISTS (SELECT 1 FROM events e WHERE e.seq = p.alloc_seq AND (e.flags & 8) != 0)),
			td AS (SELECT min(seq) AS first FROM events WHERE type = 1 AND reason = 12)
			SELECT (SELECT count(*) FROM s),
			       (SELECT count(*) FROM s WHERE free_seq IS NULL),
			       (SELECT count(*) FROM s WHERE free_seq IS NOT NULL AND (flush_seq IS NULL OR unlink_seq <= alloc_seq)),
			       (SELECT count(*) FROM events WHERE type = 9 AND (flags & 8) != 0),
			       (SELECT count(*) FROM events, td WHERE type = 1 AND seq >= td.first AND reason != 12),
			       (SELECT count(*) FROM events WHERE type = 1 AND reason = 12)")
		read -r tables alive noflush frees other teardown <<<"$row"
		if [ "${tables:-0}" -gt 0 ] && [ "${alive:-1}" = 0 ] && [ "${noflush:-1}" = 0 ] &&
		   [ "${frees:-0}" = "$tables" ] && [ "${other:-1}" = 0 ] && [ "${teardown:-0}" -gt 0 ]; then
			echo "TEST hv.$name PASS $chk; $tables shadow tables allocated, $frees freed, each after a covering flush; $teardown teardown SPTE writes, none of another reason"
		else
			echo "TEST hv.$name FAIL $tables shadow tables: $alive never freed, $noflush freed without a flush after the unlink, $frees pt_free; $teardown teardown writes, $other of another reason after the first (trace $hvt)"
		fi
	}
	[ -f "$OUT/trace_smp/stress.hvt" ] &&
		teardown_case teardown_smp "$OUT/trace_smp/stress.hvt" "$OUT/trace_smp.log" tdp
	if run trace_shadow 0 '^run-qemu: trace: ' -g touch -m shadow; then
		teardown_case teardown_shadow "$OUT/trace_shadow/touch.hvt" "$OUT/trace_shadow.log" shadow
		shadow_tables_case trace_shadow_tables "$OUT/trace_shadow/touch.hvt"
	fi
	# The same with 3 vCPUs (zaps, aging, remote flushes) and a guest that
	# edits, unmaps and remaps its page tables and switches CR3 over 5
	# address spaces (root evictions, unshadowing).
	if run trace_shadow_smp 0 '^run-qemu: trace: ' -g stress -s 3 -m shadow; then
		shadow_tables_case trace_shadow_smp_tables "$OUT/trace_shadow_smp/stress.hvt"
	fi
	if run trace_shadow_edit 0 '^run-qemu: trace: ' -g shadow_edit -m shadow; then
		shadow_tables_case trace_shadow_edit_tables "$OUT/trace_shadow_edit/shadow_edit.hvt"
	fi
	# Emulated MMIO (LAPIC, all-ones hole) leaves HVT_MMIO records.
	if run trace_mmio 0 '^run-qemu: trace: ' -g build/hv/tguests/lapic.elf -s 2; then
		n=$(build/hvtrace stats "$OUT/trace_mmio/lapic.hvt" 2>/dev/null | awk '$1 == "event" && $2 == "mmio" {print $3}')
		if [ "${n:-0}" -gt 0 ]; then
			echo "TEST hv.trace_mmio_records PASS $n mmio records"
		else
			echo "TEST hv.trace_mmio_records FAIL no mmio record in $OUT/trace_mmio/lapic.hvt"
		fi
	fi
fi
exit 0
