#!/usr/bin/env bash
# check-bochs.sh [--bench] HV_ELF GUEST_DIR: boot hv with guests in Bochs
# (VMX + EPT) and check how each run ends. One line per scenario:
#
#   TEST hv_bochs.<name> PASS|FAIL <detail>
#
# A run passes when its status is the expected one (the guest's exit code,
# or hv's own HV_STATUS_* from hv/core/panic.h), the expected text is on
# the console, and no guest check printed FAIL. Logs: build/logs/hv-bochs/.
# HV_BOCHS_ONLY="hello smp" runs only the scenarios named.
#
# --bench: boot hello once and print
#   BENCH boot.bochs_s <seconds> s
# (wall seconds from Bochs start to the guest's first console line).
set -u
bench=0
[ "${1:-}" = "--bench" ] && { bench=1; shift; }
hv=${1:-build/hv.elf}
guests=${2:-build/guests}
base=build/logs/hv-bochs
mkdir -p "$base"

HV_STATUS_VM_ERROR=112

HV_STATUS_NOCAP=113

# name | guest | guest args | hv args | Bochs CPUs[:CPU model] | expected status | text that must appear
SCENARIOS=(
	"hello|hello|mmu=tdp||1|0|hello from the guest"
	"exit3|exit3|mmu=tdp||1|3|exiting with code 3"
	"badcall|badcall|mmu=tdp||1|0|hv is still running"
	"triple|triple|mmu=tdp||1|$HV_STATUS_VM_ERROR|guest triple fault"
	"unbacked|unbacked|mmu=tdp||1|$HV_STATUS_VM_ERROR|unbacked gpa"
	"permfault|permfault|mmu=tdp||1|0|TEST pf_ad_after_write PASS"
	"memslot|memslot|mmu=tdp||1|0|TEST memslot_final_delete_11 PASS"
	"smp|smp|mmu=tdp vcpus=2||2|0|TEST smp_cpu1 PASS"
	"kick|@kick|mmu=tdp vcpus=2||2|5|hv: exit status 5"
	"poweroff|../hv/tguests/poweroff|mmu=tdp how=debug code=7||1|7|hv: VM torn down"
	"poweroff_bochs|../hv/tguests/poweroff|mmu=tdp how=bochs||1|0|through the Bochs shutdown port"
	"hello_shadow|hello|mmu=shadow||1|0|hello from the guest"
	"exit3_shadow|exit3|mmu=shadow||1|3|exiting with code 3"
	"permfault_shadow|permfault|mmu=shadow||1|0|TEST pf_ad_after_write PASS"
	"shadow_edit|shadow_edit|mmu=shadow||1|0|TEST se_2m_unmap_faults PASS"
	"trace|permfault|mmu=tdp|trace=port|1|0|# trace: "
	"noefer|hello|mmu=tdp||1:core2_penryn_t9600|$HV_STATUS_NOCAP|save/load IA32_EFER controls (a CPU before Nehalem): no mode works"
	"noug|hello|mmu=tdp||1:corei5_lynnfield_750|$HV_STATUS_NOCAP|without unrestricted guest: mmu=tdp cannot start a guest with paging off; mmu=shadow still works"
	"shadow_noug|hello|mmu=shadow||1:corei5_lynnfield_750|0|hello from the guest"
	"stress|stress|mmu=tdp vcpus=2 rounds=4||2|0|TEST stress_cpu1 PASS"
	"smp_shadow|smp|mmu=shadow vcpus=2||2|0|TEST smp_cpu1 PASS"
	"smp4_shadow|smp|mmu=shadow vcpus=4||4|0|TEST smp_cpu3 PASS"
	# The AP's real mode runs as virtual-8086 mode (vmx_realmode.c): also
	# on a CPU without unrestricted guest.
	"smp_shadow_noug|smp|mmu=shadow vcpus=2||2:corei5_lynnfield_750|0|TEST smp_cpu1 PASS"
	# An AP's real mode beyond the trampoline: LIDT, INT n, an exception,
	# MOV from CR0, HLT (hv/vmx/test/realmode.c).
	"realmode|@realmode|mmu=tdp vcpus=2||2|0|TEST rm_exception PASS"
	"realmode_shadow|@realmode|mmu=shadow vcpus=2||2|0|TEST rm_exception PASS"
	"stress_shadow|stress|mmu=shadow vcpus=2 rounds=4||2|0|TEST stress_cpu1 PASS"
	# guests/paging32 with 2 vCPUs: its AP through a 32-bit trampoline into
	# 32-bit or PAE paging, then mp32.c (hv/test/paging32-check.sh has the
	# QEMU runs).
	"paging32_smp|paging32|mmu=tdp vcpus=2 mode=32||2|0|TEST pg32_smp_aps_done PASS"
	"paging32_smp_shadow|paging32|mmu=shadow vcpus=2 mode=32||2|0|TEST pg32_smp_aps_done PASS"
	"paging32_pae_smp|paging32|mmu=tdp vcpus=2 mode=pae||2|0|TEST pae_smp_aps_done PASS"
	"paging32_pae_smp_shadow|paging32|mmu=shadow vcpus=2 mode=pae||2|0|TEST pae_smp_aps_done PASS"
	"paging32_pae_smp4_shadow|paging32|mmu=shadow vcpus=4 mode=pae||4|0|TEST pae_smp_aps_done PASS"
	# The APs' real mode as virtual-8086 mode on a CPU without unrestricted
	# guest. (No same-checks pair: that CPU has no INVPCID, so its one-CPU
	# lines differ from Skylake's.)
	"paging32_smp_shadow_noug|paging32|mmu=shadow vcpus=2 mode=32||2:corei5_lynnfield_750|0|TEST pg32_smp_aps_done PASS"
)

# Under mmu=shadow a guest must print the same checks (name and result) as
# under mmu=tdp: "shadow scenario|tdp scenario", compared when both ran:
#   TEST hv_bochs.<shadow scenario>_same_checks PASS|FAIL <detail>
SAME_CHECKS=(
	"smp_shadow|smp"
	"stress_shadow|stress"
	"smp_shadow_noug|smp"
	"realmode_shadow|realmode"
	"paging32_smp_shadow|paging32_smp"
	"paging32_pae_smp_shadow|paging32_pae_smp"
)

# A guest named @NAME is hv/vmx/test/NAME.c, built here against the guest
# runtime (guests/lib and klib, already built by make; GUEST_LIB_OBJS from
# make names exactly its objects) with FREE_CFLAGS from make.
build_test_guest() {
	local name=$1 out=$base/tguests
	mkdir -p "$out"
	# shellcheck disable=SC2086
	${FREE_CC:-gcc} ${FREE_CFLAGS:--ffreestanding -nostdlib -mno-red-zone} -I. -Iguests/lib \
		-c "hv/vmx/test/$name.c" -o "$out/$name.o" &&
	ld -m elf_x86_64 -nostdlib -z max-page-size=0x1000 -z noexecstack -T guests/lib/guest.ld \
		-o "$out/$name.elf64" "$out/$name.o" ${GUEST_LIB_OBJS:-"$guests"/obj/lib/*.o "$guests"/obj/klib/*.o} &&
	objcopy -O elf32-i386 "$out/$name.elf64" "$out/$name.elf" &&
	echo "$out/$name.elf"
}

run_one() {
	local name=$1 guest=$2 gargs=$3 hargs=$4 ncpu=$5 want=$6 text=$7
	local dir=$base/$name log=$base/$name.log rc detail="" model=corei7_skylake_x
	[[ $ncpu == *:* ]] && { model=${ncpu#*:}; ncpu=${ncpu%%:*}; }
	local elf=$guests/$guest.elf
	mkdir -p "$dir"
	if [[ $guest == @* ]]; then
		elf=$(build_test_guest "${guest#@}" 2>>"$log") ||
			{ echo "TEST hv_bochs.$name FAIL cannot build hv/vmx/test/${guest#@}.c (log: $log)"; return; }
	fi
	if [ ! -f "$elf" ] || [ ! -f "$hv" ]; then
		echo "TEST hv_bochs.$name FAIL missing $hv or $elf"
		return
	fi
	local trace_opt=()
	[[ $hargs == *trace=port* ]] && trace_opt=(-T "$dir/trace.hvt")
	if ! bash scripts/mkiso.sh "$dir/hvlab.iso" "$hv" "$hargs" "$elf" "$gargs" >"$log" 2>&1; then
		echo "TEST hv_bochs.$name FAIL mkiso failed (see $log)"
		return
	fi
	# Two emulated CPUs run at about half speed each: more time per CPU.
	bash scripts/run-bochs.sh -q -t $((60 * ncpu)) -s "$ncpu" -c "$model" -d "$dir" "${trace_opt[@]}" \
		"$dir/hvlab.iso" >>"$log" 2>&1
	rc=$?
	cat "$dir/com1.txt" >>"$log" 2>/dev/null
	# trace=port: the stream must make a trace that passes hvtrace check.
	if [ ${#trace_opt[@]} -gt 0 ] && [ "$rc" -eq "$want" ]; then
		if ! build/hvtrace check "$dir/trace.hvt" >>"$log" 2>&1; then
			echo "TEST hv_bochs.$name FAIL hvtrace check failed on $dir/trace.hvt (log: $log)"
			return
		fi
	fi
	if [ "$rc" -ne "$want" ]; then
		detail="status $rc, want $want"
	elif ! tr -d '\r' <"$log" | grep -qF -- "$text"; then
		detail="no \"$text\" on the console"
	elif tr -d '\r' <"$dir/com1.txt" | grep -qE '^TEST [^ ]+ FAIL'; then
		detail="guest check failed: $(tr -d '\r' <"$dir/com1.txt" | grep -m1 -E '^TEST [^ ]+ FAIL')"
	fi
	if [ -n "$detail" ]; then
		echo "TEST hv_bochs.$name FAIL $detail (log: $log)"
	else
		echo "TEST hv_bochs.$name PASS status $rc${trace_opt[0]:+, $(grep -a -m1 '^OK' "$log" | sed 's/^OK [^:]*: //')}"
	fi
}

if [ "$bench" -eq 1 ]; then
	dir=$base/bench
	mkdir -p "$dir"
	bash scripts/mkiso.sh "$dir/hvlab.iso" "$hv" "" "$guests/hello.elf" "mmu=tdp" >/dev/null 2>&1 ||
		{ echo "bench-hv-bochs: mkiso failed" >&2; exit 1; }
	t=$(bash scripts/run-bochs.sh -q -t 60 -d "$dir" -F '^guest: ' "$dir/hvlab.iso" 2>/dev/null |
		awk '/^# first-line/ {print $3}')
	[ -n "$t" ] || { echo "bench-hv-bochs: the guest printed nothing" >&2; exit 1; }
	echo "BENCH boot.bochs_s $t s"
	exit 0
fi

# The guest's check lines of scenario $1 as "name result", sorted.
check_lines() {
	tr -d '\r' <"$base/$1/com1.txt" 2>/dev/null | grep -E '^TEST [^ ]+ (PASS|FAIL)' |
		awk '{print $2, $3}' | sort
}

same_checks() {
	local shadow=$1 tdp=$2 a b
	a=$(check_lines "$shadow")
	b=$(check_lines "$tdp")
	if [ -z "$b" ]; then
		echo "TEST hv_bochs.${shadow}_same_checks FAIL no guest check lines in the $tdp run"
	elif [ "$a" != "$b" ]; then
		echo "TEST hv_bochs.${shadow}_same_checks FAIL check lines differ from $tdp's:" \
			"$(diff <(echo "$b") <(echo "$a") | grep -E '^[<>]' | head -4 | tr '\n' ' ')"
	else
		echo "TEST hv_bochs.${shadow}_same_checks PASS $(echo "$a" | wc -l) checks, the same as $tdp"
	fi
}

ran=" "
for s in "${SCENARIOS[@]}"; do
	IFS='|' read -r name guest gargs hargs ncpu want text <<<"$s"
	# HV_BOCHS_ONLY="name ...": run only these scenarios (while debugging).
	[ -n "${HV_BOCHS_ONLY:-}" ] && [[ " $HV_BOCHS_ONLY " != *" $name "* ]] && continue
	run_one "$name" "$guest" "$gargs" "$hargs" "$ncpu" "$want" "$text"
	ran+="$name "
done
for p in "${SAME_CHECKS[@]}"; do
	IFS='|' read -r shadow tdp <<<"$p"
	[[ $ran == *" $shadow "* && $ran == *" $tdp "* ]] && same_checks "$shadow" "$tdp"
done
# The TEST lines carry the results (scripts/test.sh counts them).
exit 0
