#!/usr/bin/env bash
# huge-check.sh: check-huge-qemu. Runs guests/touch1g under hv (QEMU TCG
# -cpu max, SVM + NPT, mmu=tdp, mem=2048 so a 1 GiB-aligned gpa range
# exists) with the trace on, twice: with the guest's window on its region
# mapped by one 1 GiB guest page ("huge_qemu_g1g") and by 2 MiB guest pages
# ("huge_qemu_g2m", guest arg pagesize=2m). NPT does not depend on the
# guest's page size, so both must get a 1 GiB SPTE. Per run TAG:
#
#   TEST TAG.<guest test> ...        the guest's own lines
#   TEST TAG_run      PASS|FAIL      guest exit 0, no FAIL line, and the
#                                    guest page size it was asked for
#   TEST TAG_trace    PASS|FAIL      the trace was collected and checks
#                                    (hvtrace check)
#   TEST TAG_l3_leaf  PASS|FAIL      >= 1 spte_change "map" of a 1G leaf at
#                                    L3 for the region's first gfn
#                                    (hvtrace dump)
#
# If the CPU model had no 1 GiB NPT pages (CPUID 0x80000001 EDX[26]), hv
# would map 2 MiB at most and the L3 tests would fail: -cpu max has them.
#
# huge-check.sh bochs: check-huge-bochs, one run TAG huge_bochs_g1g with the
# same four kinds of lines on Bochs (VMX + EPT, corei7_skylake_x, which has
# 1 GiB EPT pages). Bochs takes at most 2048 MiB, so: machine 2048 MiB,
# guest mem=1024 (hv backs gpa [0, 1 GiB) with host [1 GiB, 2 GiB)), and
# touch1g span=512M touches 512 MiB of its own RAM inside the 1 GiB region
# gpa [0, 1 GiB), whose L3 leaf (gfn 0x0) the trace (trace=port, collected
# by run-bochs.sh -T) must show. About 60 s.
set -u
OUT=build/huge
mkdir -p "$OUT"
status=0

result() {
	echo "TEST $1 $2 $3"
	[ "$2" = PASS ] || status=1
}

# L3 leaf maps for the region the guest printed ("touch1g: region 0x...").
check_l3() {
	local tag=$1 log=$2 dump=$3 region gfn n levels
	region=$(sed -n 's/^touch1g: region \(0x[0-9a-f]*\),.*/\1/p' "$log" | head -1)
	if [ -z "$region" ]; then
		result "${tag}_l3_leaf" FAIL "the guest printed no region (log $log)"
		return
	fi
	gfn=$(printf '0x%x' $(( region >> 12 )))
	# e.g. "spte_change  gfn=0x40000 L3 map atomic,leaf old=0x0 [EMPTY] new=... [P W U A 1G ...]"
	n=$(grep -E " spte_change +gfn=$gfn L3 map [a-z_,]*leaf" "$dump" | grep -c ' 1G ')
	levels=$(grep -E " spte_change +gfn=0x[0-9a-f]+ L[1-4] map [a-z_,]*leaf" "$dump" |
		 sed -E 's/.* (L[1-4]) map.*/\1/' | sort | uniq -c | tr -s ' \n' ' ')
	if [ "$n" -ge 1 ]; then
		result "${tag}_l3_leaf" PASS "$n leaf maps at L3 (1 GiB) for gfn $gfn; leaf maps by level:$levels"
	else
		result "${tag}_l3_leaf" FAIL "no L3 leaf map for gfn $gfn; leaf maps by level:$levels"
	fi
}

# run_variant TAG "guest pages text" [guest args]
run_variant() {
	local tag=$1 want=$2 args=${3:-} dir=$OUT/$1
	local log=$dir/run.log trace=$dir/touch1g.hvt rc
	mkdir -p "$dir"
	rm -f "$trace"
	if [ "$platform" = bochs ]; then
		bash scripts/mkiso.sh "$dir/touch1g.iso" build/hv.elf "trace=port" \
			build/guests/touch1g.elf "mmu=tdp vcpus=1 mem=1024 $args" >"$log" 2>&1 &&
		bash scripts/run-bochs.sh -t 110 -m 2048 -d "$dir/bochs" -T "$trace" \
			"$dir/touch1g.iso" >>"$log" 2>&1
	else
		bash scripts/run-qemu.sh -o "$dir" -g touch1g -M 2048 -t 50 ${args:+-a "$args"} >"$log" 2>&1
	fi
	rc=$?
	grep -E '^TEST ' "$log" | sed "s/^TEST /TEST $tag./"
	if [ $rc -eq 0 ] && ! grep -q '^TEST .* FAIL' "$log" && grep -q "guest pages of $want" "$log"; then
		result "${tag}_run" PASS "guest exit 0, guest pages of $want (log $log)"
	else
		result "${tag}_run" FAIL "run-$platform status $rc, want exit 0 and guest pages of $want (log $log)"
	fi
	if [ -s "$trace" ] && build/hvtrace check "$trace" >"$dir/check.log" 2>&1; then
		result "${tag}_trace" PASS "$trace checks"
	else
		result "${tag}_trace" FAIL "no trace or hvtrace check failed (see $dir/check.log, $dir/touch1g.collect.log or $dir/bochs/collect.log)"
		return
	fi
	build/hvtrace dump "$trace" >"$dir/dump.txt" 2>&1
	check_l3 "$tag" "$log" "$dir/dump.txt"
}

platform=${1:-qemu}
if [ "$platform" = bochs ]; then
	run_variant huge_bochs_g1g "1 GiB" "span=512M"
else
	run_variant huge_qemu_g1g "1 GiB"
	run_variant huge_qemu_g2m "2 MiB" "pagesize=2m"
fi
exit $status
