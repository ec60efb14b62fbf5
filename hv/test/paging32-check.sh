#!/usr/bin/env bash
# paging32-check.sh: check-paging32 (hv/hv.mk). Boots guests/paging32, the
# 32-bit protected-mode guest on its own page tables, in both legacy paging
# modes (mode=32: 32-bit paging with 4 KiB and 4 MiB pages; mode=pae: PAE
# paging with 4 KiB and 2 MiB pages and XD), several ways:
#
#   qemu_native   plain QEMU TCG -cpu max, no hv (the reference)
#   qemu_tdp      hv mmu=tdp on QEMU (SVM + NPT)      scripts/run-qemu.sh
#   qemu_shadow   hv mmu=shadow on QEMU (SVM, the guest's tables shadowed)
#   bochs_tdp     hv mmu=tdp on Bochs (VMX + EPT)     scripts/mkiso.sh + run-bochs.sh
#   bochs_shadow  hv mmu=shadow on Bochs (VMX, no EPT)
#
# Each mode also runs with 2 CPUs (labels 32x2, paex2), PAE with 4 too
# (paex4), on QEMU only (native with -smp N and vcpus=N, hv with N vCPUs):
# after the one-CPU
# checks the guest starts its APs and runs mp32.c (private map/remap/
# read-only/unmap rounds on both CPUs in one page table, a shootdown of the
# boot CPU's edits by INVLPG and CR3 reload, PAE: a PDPTE change seen after
# MOV CR3 on each CPU). Such a run must also print <mode>_smp_aps_done PASS.
# The Bochs runs with 2 vCPUs are scenarios of hv/vmx/check-bochs.sh
# (paging32_*smp*).
#
# Output, per run and mode:
#   TEST paging32.<run>_<mode> PASS|FAIL   status 0, every guest check
#                                           passed, the guest's last line
# (a failing guest check is also shown, renamed paging32.<run>_<mode>.<name>),
#   TEST paging32.qemu_shadow_<mode>_trace PASS|FAIL   the shadow run on QEMU
#                                           is traced: its file passes
#                                           "hvtrace check" (no record lost,
#                                           SPTE chains consistent)
# and per platform and mode:
#   TEST paging32.same_qemu_<mode>  PASS|FAIL  native, tdp and shadow print
#                                              the same check lines
#   TEST paging32.same_bochs_<mode> PASS|FAIL  tdp and shadow print the same
# A check line compares as "name PASS|FAIL file:line": its detail may differ
# (e.g. pae_pdpte_rsvd_gp: QEMU's walker never checks PDPTEs at MOV CR3, so
# natively and under tdp the load succeeds where hv's shadow PDPTE registers
# give #GP as Intel does; the guest accepts either on a non-Intel CPU and
# says which in the detail).
#
# PAGING32_RUNS="qemu_native qemu_tdp ..." chooses the runs (default: all);
# a comparison with a run left out compares the runs that are there.
# Logs: build/logs/paging32/<run>_<mode>.log. Times: a QEMU run takes ~5 s,
# a Bochs run ~20-40 s; limits are 90 s and 150 s for a loaded machine
# (a QEMU run with 2 or 4 CPUs ~1-10 s, limit 150 s).
set -u
base=build/logs/paging32
mkdir -p "$base"
RUNS=${PAGING32_RUNS:-qemu_native qemu_tdp qemu_shadow bochs_tdp bochs_shadow}
ELF=build/guests/paging32.elf
status=0

for f in build/hv.elf "$ELF" build/hvtrace; do
	[ -f "$f" ] || { echo "TEST paging32.build FAIL $f is missing (run make first)"; exit 1; }
done

result() { echo "TEST paging32.$1 $2 $3"; [ "$2" = PASS ] || status=1; }
wanted() { [[ " $RUNS " == *" $1 "* ]]; }

# The guest's check lines as "name STATUS file:line", sorted.
lines_of() { tr -d '\r' <"$1" | sed -nE 's/^TEST ([^ ]+) (PASS|FAIL) ([^ ]+).*/\1 \2 \3/p' | sort; }

# A mode label: "32" or "pae", with "xN" for N CPUs ("32x2", "paex4").
mode_of() { echo "${1%x*}"; }
cpus_of() { [[ $1 == *x* ]] && echo "${1##*x}" || echo 1; }

# judge TAG RC LOG SECONDS
judge() {
	local tag=$1 rc=$2 log=$3 secs=$4 n
	tr -d '\r' <"$log" | sed -nE "s/^TEST ([^ ]+) FAIL /TEST paging32.$tag.\1 FAIL /p"
	n=$(lines_of "$log" | wc -l)
	if [ "$rc" -ne 0 ]; then
		result "$tag" FAIL "status $rc, $n check lines (log $log)"
	elif lines_of "$log" | grep -q ' FAIL '; then
		result "$tag" FAIL "a guest check failed (log $log)"
	elif ! tr -d '\r' <"$log" | grep -qE '^paging32: [a-z0-9]+ done, 0 check'; then
		result "$tag" FAIL "the guest did not finish (log $log)"
	elif [[ $tag == *x[0-9] ]] && ! lines_of "$log" | grep -qE '^[a-z0-9]+_smp_aps_done PASS'; then
		result "$tag" FAIL "${tag##*x} CPUs, but the guest ran no SMP phase (no *_smp_aps_done; log $log)"
	else
		result "$tag" PASS "$n checks, ${secs}s"
	fi
}

run_native() {
	local mode cpus tag=qemu_native_$1 log=$base/qemu_native_$1.log t0=$SECONDS rc
	mode=$(mode_of "$1") cpus=$(cpus_of "$1")
	timeout $((cpus > 1 ? 150 : 90)) qemu-system-x86_64 -cpu max -smp "$cpus" -m 32M -kernel "$ELF" \
		-append "mode=$mode vcpus=$cpus" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
		-monitor none -no-reboot </dev/null >"$log" 2>&1
	rc=$?
	# isa-debug-exit: guest exit code c ends QEMU with (c << 1) | 1
	[ $((rc & 1)) -eq 1 ] && rc=$((rc >> 1)) || rc=$((rc == 0 ? 125 : rc))
	judge "$tag" "$rc" "$log" $((SECONDS - t0))
}

run_qemu_hv() {
	local mmu=$1 mode cpus tag=qemu_$1_$2 log=$base/qemu_$1_$2.log t0=$SECONDS rc notrace=-T
	mode=$(mode_of "$2") cpus=$(cpus_of "$2")
	[ "$mmu" = shadow ] && notrace=""            # traced: every shadow SPTE change recorded
	rm -f "$base/$tag/paging32.hvt"
	bash scripts/run-qemu.sh -g paging32 -m "$mmu" -s "$cpus" $notrace -t $((cpus > 1 ? 150 : 90)) \
		-o "$base/$tag" -a "mode=$mode" >"$log" 2>&1
	rc=$?
	judge "$tag" "$rc" "$log" $((SECONDS - t0))
	[ -z "$notrace" ] || return 0
	local out
	if out=$(build/hvtrace check "$base/$tag/paging32.hvt" 2>&1); then
		result "${tag}_trace" PASS "$(echo "$out" | tail -1 | sed 's/^OK [^:]*: //')"
	else
		result "${tag}_trace" FAIL "hvtrace check: $(echo "$out" | tail -1) (log $log)"
	fi
}

run_bochs_hv() {
	local mmu=$1 mode=$2 tag=bochs_$1_$2 dir=$base/bochs_$1_$2 log=$base/bochs_$1_$2.log t0=$SECONDS rc
	mkdir -p "$dir"
	if ! bash scripts/mkiso.sh "$dir/hvlab.iso" build/hv.elf "" "$ELF" "mmu=$mmu mode=$mode" \
		>"$log" 2>&1; then
		result "$tag" FAIL "mkiso failed (log $log)"
		return
	fi
	bash scripts/run-bochs.sh -q -t 150 -d "$dir" "$dir/hvlab.iso" >>"$log" 2>&1
	rc=$?
	cat "$dir/com1.txt" >>"$log" 2>/dev/null
	judge "$tag" "$rc" "$log" $((SECONDS - t0))
}

# same NAME TAG...: the runs that were made print the same check lines.
same() {
	local name=$1 first="" t d made=""
	shift
	for t in "$@"; do
		wanted "${t%_*}" || continue
		[ -s "$base/$t.log" ] || { result "$name" FAIL "no log from $t"; return; }
		if [ -z "$first" ]; then
			first=$t
		else
			d=$(diff <(lines_of "$base/$first.log") <(lines_of "$base/$t.log") | grep '^[<>]' | head -3 | tr '\n' ';')
			[ -z "$d" ] || { result "$name" FAIL "$first vs $t: $d"; return; }
		fi
		made+="${made:+ = }$t"
	done
	[ -n "$first" ] || return 0
	result "$name" PASS "$made: $(lines_of "$base/$first.log" | wc -l) lines"
}

for mode in 32 pae 32x2 paex2 paex4; do
	wanted qemu_native && run_native $mode
	wanted qemu_tdp && run_qemu_hv tdp $mode
	wanted qemu_shadow && run_qemu_hv shadow $mode
	same same_qemu_$mode qemu_native_$mode qemu_tdp_$mode qemu_shadow_$mode
	[[ $mode == *x* ]] && continue           # several CPUs on Bochs: hv/vmx/check-bochs.sh
	wanted bochs_tdp && run_bochs_hv tdp $mode
	wanted bochs_shadow && run_bochs_hv shadow $mode
	same same_bochs_$mode bochs_tdp_$mode bochs_shadow_$mode
done
exit $status
