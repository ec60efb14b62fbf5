#!/usr/bin/env bash
# native-check.sh BUILD_DIR: boot each guest that makes sense without hv
# under plain QEMU TCG and check it. For each guest print
#   TEST guest_native_<name> PASS|FAIL <detail>
# after its own check lines, renamed "TEST native.<name>.<test> ..." so
# names stay unique across guests. A guest passes when QEMU's exit status
# is the expected one (isa-debug-exit gives (code << 1) | 1), it printed no
# FAIL line, and the expected text (if any) appeared.
set -u
build=${1:-build/guests}
logdir=build/logs/guests-native
mkdir -p "$logdir"

# name | guest exit code ("-" = QEMU status 0: -no-reboot shutdown) | QEMU args | cmdline | text that must appear
GUESTS=(
	"hello|0|-m 64M||hello from the guest"
	"exit3|3|-m 32M||exiting with code 3"
	"hello|0|-m 64M|pagesize=2m|hello from the guest"
	"triple|-|-m 32M||about to triple fault"
	"unbacked|0|-m 32M||about to touch unbacked memory"
	"smp|0|-m 32M -smp 2|vcpus=2|TEST smp_cpu1 PASS"
	"smp|0|-m 32M -smp 4|vcpus=4 pagesize=2m|TEST smp_cpu3 PASS"
	"touch|0|-m 32M|pages=512|TEST touch_2m PASS"
	"touch|0|-m 64M|pages=64 big=16 pagesize=2m|TEST touch_2m PASS"
	"permfault|0|-m 32M||TEST pf_ad_after_write PASS"
	"permfault|0|-m 32M -cpu qemu64|pagesize=2m|TEST pf_ad_after_write PASS"
	"stress|0|-m 32M -smp 4|vcpus=4|TEST stress_cpu3 PASS"
	"badcall|0|-m 32M||not under hvlab, skipping"
	"memslot|0|-m 32M||not under hvlab, skipping"
	"touch1g|0|-m 2112M|pagesize=2m|TEST touch1g_identity PASS"
	"zaploop|0|-m 32M||TEST zaploop PASS"
)

run_one() {
	local name=$1 code=$2 qargs=$3 cmdline=$4 text=$5 tag=$6
	local elf=$build/$name.elf log=$logdir/$tag.log want rc detail=""
	[[ $qargs == *-cpu* ]] || qargs="-cpu max $qargs"
	# shellcheck disable=SC2086
	timeout 20 qemu-system-x86_64 $qargs -kernel "$elf" -append "$cmdline" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
		-monitor none -no-reboot </dev/null 2>&1 | tr -d '\r' >"$log"
	rc=${PIPESTATUS[0]}
	if [ "$code" = "-" ]; then want=0; else want=$(( (code << 1) | 1 )); fi
	sed -nE "s/^TEST ([^ ]+) /TEST native.$tag.\1 /p" "$log"
	[ "$rc" -eq "$want" ] || detail+=" qemu status $rc, want $want;"
	grep -qE '^TEST [^ ]+ FAIL' "$log" && detail+=" a check failed;"
	[ -z "$text" ] || grep -qF "$text" "$log" || detail+=" no \"$text\" in output;"
	if [ -z "$detail" ]; then
		echo "TEST guest_native_$tag PASS status $rc (log: $log)"
	else
		echo "TEST guest_native_$tag FAIL$detail (log: $log)"
	fi
}

declare -A seen
for entry in "${GUESTS[@]}"; do
	IFS='|' read -r name code qargs cmdline text <<<"$entry"
	tag=$name
	[ -n "${seen[$name]:-}" ] && tag=$name.${cmdline//[^a-zA-Z0-9]/_}
	seen[$name]=1
	run_one "$name" "$code" "$qargs" "$cmdline" "$text" "$tag"
done
