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
set -u
cd "$(dirname "$0")/../.."
OUT=${BUILD:-build}/shadow/qemu
mkdir -p "$OUT"
rc=0

# name | guest | guest args | vCPUs
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
	"smp2|smp||2"
	"smp4|smp||4"
	"stress3|stress||3"
)

verdicts() {   # the guest's TEST lines: "name verdict", sorted
	grep -aE '^TEST [A-Za-z0-9_.]+ (PASS|FAIL)' "$1" | awk '{print $2, $3}' | sort
}

for c in "${CASES[@]}"; do
	IFS='|' read -r name guest args smp <<<"$c"
	declare -A st=()
	for m in tdp shadow; do
		scripts/run-qemu.sh -T -t 120 -g "$guest" -m "$m" -s "$smp" -a "$args mmu_check=1" -o "$OUT/$m" \
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
	else
		echo "TEST shadow_qemu.$name PASS $n guest checks as under mmu=tdp ($fails FAIL in both), status 0; shadow: $exits"
	fi
	unset st
done
exit $rc
