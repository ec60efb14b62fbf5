#!/usr/bin/env bash
# test_shadow_qemu.sh: guests under hv with mmu=shadow must give the same
# results as with mmu=tdp (check-shadow-qemu, mmu/shadow.mk).
#
# For each guest (and guest arguments) it boots hv twice under QEMU TCG
# (scripts/run-qemu.sh -m tdp, then -m shadow), keeps the guest's
# "TEST name PASS|FAIL" verdicts, and prints one line:
#   TEST shadow_qemu.<guest>[.<variant>] PASS|FAIL <detail>
# PASS needs exit status 0 in both modes, the same verdict for every
# guest check, and hv's mmu_check (TDP and shadow invariants) clean at the end. Exits non-zero if any line failed.
#
# Cases with a budget (5th field, mmu/SHADOW.md 5.14) run the shadow boot with
# shadow_pages=N, traced: they also need hv's end-of-run line to show pages
# reclaimed for the budget (N is below what the guest builds unlimited) and a
# peak within it, and the trace to pass `hvtrace check`.
set -u
cd "$(dirname "$0")/../.."
OUT=${BUILD:-build}/shadow/qemu
mkdir -p "$OUT"
rc=0

# name | guest | guest args | vCPUs | shadow page budget (empty: default)
CASES=(
	"hello|hello||1"
	"touch|touch||1"
	"touch.2m|touch|pagesize=2m|1"
	"permfault|permfault||1"
	"permfault.2m|permfault|pagesize=2m|1"
	"shadow_edit|shadow_edit||1"
	"shadow_edit.2m|shadow_edit|pagesize=2m|1"
	"shadow_edit.nounsync|shadow_edit|shadow_unsync=0 shadow_prefetch=0|1"
	"permfault.wrongsync|permfault|shadow_sync=wrong|1"
	"memslot|memslot||1"
	"smp2|smp||2"
	"smp4|smp||4"
	"stress3|stress||3"
	"budget.shadow_edit|shadow_edit||1|16"
	"budget.stress2|stress||2|12"
	"budget.paging32|paging32|mode=32|1|8"
	"budget.pmatrix|pmatrix|sample=50|1|16"
)

verdicts() {   # the guest's TEST lines: "name verdict", sorted
	grep -aE '^TEST [A-Za-z0-9_.]+ (PASS|FAIL)' "$1" | awk '{print $2, $3}' | sort
}

for c in "${CASES[@]}"; do
	IFS='|' read -r name guest args smp budget <<<"$c"
	declare -A st=()
	for m in tdp shadow; do
		margs="$args mmu_check=1" notrace=-T
		if [ -n "$budget" ] && [ "$m" = shadow ]; then
			margs="$margs shadow_pages=$budget" notrace=""
			rm -f "$OUT/$m/$guest.hvt"
		fi
		scripts/run-qemu.sh $notrace -t 300 -g "$guest" -m "$m" -s "$smp" -a "$margs" -o "$OUT/$m" \
			>"$OUT/$name.$m.log" 2>&1
		st[$m]=$?
		verdicts "$OUT/$m/$guest.serial.log" >"$OUT/$name.$m.verdicts"
	done
	n=$(wc -l <"$OUT/$name.shadow.verdicts")
	fails=$(grep -c ' FAIL$' "$OUT/$name.shadow.verdicts")
	exits=$(grep -aoE 'hv: vCPU 0: [0-9]+ exits: .*' "$OUT/shadow/$guest.serial.log" | head -1 | sed 's/hv: vCPU 0: //')
	if [ "${st[tdp]}" != 0 ] || [ "${st[shadow]}" != 0 ]; then
		echo "TEST shadow_qemu.$name FAIL status tdp=${st[tdp]} shadow=${st[shadow]} (logs $OUT/$name.*.log)"; rc=1
	elif ! diff -q "$OUT/$name.tdp.verdicts" "$OUT/$name.shadow.verdicts" >/dev/null; then
		d=$(diff "$OUT/$name.tdp.verdicts" "$OUT/$name.shadow.verdicts" | grep '^[<>]' | head -3 | tr '\n' ' ')
		echo "TEST shadow_qemu.$name FAIL verdicts differ from mmu=tdp: $d"; rc=1
	elif ! grep -aq '^hv: mmu_check: every MMU invariant holds' "$OUT/shadow/$guest.serial.log"; then
		echo "TEST shadow_qemu.$name FAIL $(grep -a '^hv: mmu_check' "$OUT/shadow/$guest.serial.log" | head -1)"; rc=1
	elif [ "$n" -eq 0 ] && [ "$guest" != hello ]; then
		echo "TEST shadow_qemu.$name FAIL no guest checks ran"; rc=1
	elif [ -n "$budget" ]; then
		# hv: shadow pages: C created, Z zapped, R reclaimed for the budget, peak P of B
		sp=$(grep -a '^hv: shadow pages:' "$OUT/shadow/$guest.serial.log" | head -1 | tr -d '\r')
		read -r created reclaimed peak inforce < <(echo "$sp" |
			sed -nE 's/.* ([0-9]+) created, .* ([0-9]+) reclaimed for the budget, peak ([0-9]+) of ([0-9]+).*/\1 \2 \3 \4/p')
		chk=$(build/hvtrace check "$OUT/shadow/$guest.hvt" 2>&1 | tail -1)
		if [ -z "${reclaimed:-}" ] || [ "$inforce" != "$budget" ]; then
			echo "TEST shadow_qemu.$name FAIL no budget line for shadow_pages=$budget: '$sp'"; rc=1
		elif [ "$reclaimed" -eq 0 ] || [ "$peak" -gt "$budget" ]; then
			echo "TEST shadow_qemu.$name FAIL budget $budget not exercised or exceeded: $sp"; rc=1
		elif [[ "$chk" != OK* ]]; then
			echo "TEST shadow_qemu.$name FAIL hvtrace check: $chk"; rc=1
		else
			echo "TEST shadow_qemu.$name PASS $n guest checks as under mmu=tdp ($fails FAIL in both), status 0; shadow_pages=$budget: $created SPs created, $reclaimed reclaimed, peak $peak; trace ${chk%%:*}: ${chk#*: }"
		fi
		unset created reclaimed peak inforce
	else
		echo "TEST shadow_qemu.$name PASS $n guest checks as under mmu=tdp ($fails FAIL in both), status 0; shadow: $exits"
	fi
	unset st
done

# A bad budget is refused before the guest runs: status 115 and one line.
scripts/run-qemu.sh -T -t 60 -g hello -m shadow -a "shadow_pages=0" -o "$OUT/badbudget" \
	>"$OUT/budget.badoption.log" 2>&1
st=$?
line=$(grep -a "^hv: bad option 'shadow_pages=0'" "$OUT/badbudget/hello.serial.log" | head -1 | tr -d '\r')
if [ "$st" = 115 ] && [ -n "$line" ]; then
	echo "TEST shadow_qemu.budget.badoption PASS status 115: $line"
else
	echo "TEST shadow_qemu.budget.badoption FAIL status $st, line '$line' (log $OUT/budget.badoption.log)"; rc=1
fi
# A budget hv's memory cannot hold is refused before the guest runs too
# (hv/core/vm.c): before, the run ended when the allocator ran dry, as if
# the guest had done something fatal (status 112).
scripts/run-qemu.sh -T -t 60 -g hello -m shadow -a "shadow_pages=1000000" -o "$OUT/hugebudget" \
	>"$OUT/budget.toolarge.log" 2>&1
st=$?
line=$(grep -a "^hv: shadow_pages=1000000 needs [0-9]* pages of hv memory" "$OUT/hugebudget/hello.serial.log" |
       head -1 | tr -d '\r')
if [ "$st" = 115 ] && [ -n "$line" ]; then
	echo "TEST shadow_qemu.budget.toolarge PASS status 115: ${line:0:160}"
else
	echo "TEST shadow_qemu.budget.toolarge FAIL status $st, line '$line' (log $OUT/budget.toolarge.log)"; rc=1
fi
exit $rc
