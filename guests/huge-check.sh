#!/usr/bin/env bash
# huge-check.sh: check-huge-qemu. Runs guests/touch1g under hv (QEMU TCG,
# SVM + NPT, mmu=tdp, mem=2048 so a 1 GiB-aligned gpa range exists) with
# the trace on, then checks the guest's own TEST lines and that the trace
# maps the guest's 1 GiB region with a level-3 (1 GiB) leaf SPTE:
#
#   TEST huge_qemu_touch1g PASS|FAIL   guest exit 0, no FAIL line
#   TEST huge_qemu_trace   PASS|FAIL   the trace was collected and checks
#                                       (hvtrace check)
#   TEST huge_qemu_l3_leaf PASS|FAIL   >= 1 spte_change "map" of a leaf at
#                                       L3 whose gfn is the region's first
#                                       (hvtrace dump)
#
# If the CPU model has no 1 GiB NPT pages (CPUID 0x80000001 EDX[26]),
# hv maps 2 MiB at most and the last test fails: -cpu max has them.
set -u
OUT=build/huge
mkdir -p "$OUT"
LOG=$OUT/touch1g.run.log
TRACE=$OUT/touch1g.hvt

result() { echo "TEST $1 $2 $3"; [ "$2" = PASS ]; }

bash scripts/run-qemu.sh -o "$OUT" -g touch1g -M 2048 -t 50 >"$LOG" 2>&1
rc=$?
grep -E '^TEST ' "$LOG" | sed 's/^TEST /TEST huge_qemu./'
status=0
if [ $rc -eq 0 ] && ! grep -q '^TEST .* FAIL' "$LOG"; then
	result huge_qemu_touch1g PASS "guest exit 0 (log $LOG)"
else
	result huge_qemu_touch1g FAIL "run-qemu status $rc (log $LOG)"; status=1
fi

if [ -s "$TRACE" ] && build/hvtrace check "$TRACE" >"$OUT/touch1g.check.log" 2>&1; then
	result huge_qemu_trace PASS "$TRACE checks"
else
	result huge_qemu_trace FAIL "no trace or hvtrace check failed (see $OUT/touch1g.check.log, $OUT/touch1g.collect.log)"
	exit 1
fi

# The region's gpa as the guest printed it: "touch1g: region 0x40000000, ...".
region=$(sed -n 's/^touch1g: region \(0x[0-9a-f]*\),.*/\1/p' "$LOG" | head -1)
if [ -z "$region" ]; then
	result huge_qemu_l3_leaf FAIL "the guest printed no region (log $LOG)"
	exit 1
fi
gfn=$(printf '0x%x' $(( region >> 12 )))
build/hvtrace dump "$TRACE" >"$OUT/touch1g.dump" 2>&1
# e.g. "spte_change  gfn=0x40000 L3 map atomic,leaf old=0x0 [EMPTY] new=... [P W U A 1G ...]"
n=$(grep -E " spte_change +gfn=$gfn L3 map [a-z_,]*leaf" "$OUT/touch1g.dump" | grep -c ' 1G ')
levels=$(grep -E " spte_change +gfn=0x[0-9a-f]+ L[1-4] map [a-z_,]*leaf" "$OUT/touch1g.dump" |
	 sed -E 's/.* (L[1-4]) map.*/\1/' | sort | uniq -c | tr -s ' \n' ' ')
if [ "$n" -ge 1 ]; then
	result huge_qemu_l3_leaf PASS "$n leaf maps at L3 (1 GiB) for gfn $gfn; all leaf maps by level:$levels"
else
	result huge_qemu_l3_leaf FAIL "no L3 leaf map for gfn $gfn; leaf maps by level:$levels"; status=1
fi
exit $status
