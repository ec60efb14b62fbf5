#!/usr/bin/env bash
# hv-check.sh [MMU]: boot each guest under hv (scripts/run-qemu.sh, QEMU TCG
# -cpu max: SVM + NPT) and check it, like native-check.sh does natively:
#   TEST guest_hv_<run> PASS|FAIL <detail>
# after the guest's own lines renamed "TEST hv.<run>.<test> ...". A run
# passes when hv's exit status is the expected one, no FAIL line was
# printed and the expected text appeared. Not in CHECKS (hv's own tests
# decide what gates CI): "make check-guests-hv [MMU=shadow]".
set -u
mmu=${1:-tdp}
logdir=build/logs/guests-hv-$mmu
mkdir -p "$logdir"

# name | exit status ("!0" = any non-zero: hv stopped the VM) | vCPUs | guest args | text that must appear
GUESTS=(
	"hello|0|1||hello through HC_CONSOLE_WRITE"
	"exit3|3|1||guest exit with code 3"
	"triple|!0|1||triple fault"
	"badcall|0|1||hv is still running"
	"unbacked|!0|1||unbacked gpa"
	"smp|0|2||TEST smp_cpu1 PASS"
	"smp|0|4|pagesize=2m|TEST smp_cpu3 PASS"
	"touch|0|1||TEST touch_age_again PASS"
	"touch|0|1|pagesize=2m pages=1000|TEST touch_after_zap PASS"
	"memslot|0|1||TEST memslot_dirty_none PASS"
	"permfault|0|1||TEST pf_ad_after_write PASS"
	"permfault|0|1|pagesize=2m|TEST pf_split_rw_again PASS"
	"stress|0|4||TEST stress_cpu3 PASS"
)

run_one() {
	local name=$1 want=$2 smp=$3 args=$4 text=$5 tag=$6
	local out=$logdir/$tag log detail="" rc
	timeout 300 bash scripts/run-qemu.sh -g "$name" -m "$mmu" -s "$smp" -T -t 120 \
		-o "$out" ${args:+-a "$args"} >/dev/null 2>&1
	rc=$?
	log=$out/$name.serial.log
	tr -d '\r' <"$log" 2>/dev/null | sed -nE "s/^TEST ([^ ]+) /TEST hv.$tag.\1 /p"
	if [ "$want" = "!0" ]; then
		[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || detail+=" status $rc, want hv to stop the VM;"
	else
		[ "$rc" -eq "$want" ] || detail+=" status $rc, want $want;"
	fi
	grep -qE '^TEST [^ ]+ FAIL' "$log" 2>/dev/null && detail+=" a check failed;"
	[ -z "$text" ] || grep -qF "$text" "$log" 2>/dev/null || detail+=" no \"$text\" in output;"
	if [ -z "$detail" ]; then
		echo "TEST guest_hv_$tag PASS status $rc (log: $log)"
	else
		echo "TEST guest_hv_$tag FAIL$detail (log: $log)"
	fi
}

declare -A seen
for entry in "${GUESTS[@]}"; do
	IFS='|' read -r name want smp args text <<<"$entry"
	tag=$name
	[ -n "${seen[$name]:-}" ] && tag=$name.s$smp.${args//[^a-zA-Z0-9]/_}
	seen[$name]=1
	run_one "$name" "$want" "$smp" "$args" "$text" "$tag"
done
