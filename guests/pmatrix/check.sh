#!/usr/bin/env bash
# check.sh: check-pmatrix (guests/guests.mk). Runs guests/pmatrix, the
# permission-matrix guest, five ways and compares the digests of its cases:
#
#   qemu_native   plain QEMU TCG -cpu max, no hv (and qemu_native_sampled:
#                 the same on the Bochs case set)
#   qemu_tdp      hv mmu=tdp on QEMU (SVM + NPT)      scripts/run-qemu.sh
#   qemu_shadow   hv mmu=shadow on QEMU
#   bochs_tdp     hv mmu=tdp on Bochs (VMX + EPT)     scripts/mkiso.sh + run-bochs.sh
#   bochs_shadow  hv mmu=shadow on Bochs
#
# Output: the guest's group lines renamed "TEST pmatrix.<run>.<group> ...",
# then per run
#   TEST pmatrix.<run> PASS|FAIL   status 0, no FAIL line, a digest line
# and per platform
#   TEST pmatrix.digest_qemu  PASS|FAIL   native = tdp = shadow
#   TEST pmatrix.digest_bochs PASS|FAIL   tdp = shadow
#   TEST pmatrix.digest_cross PASS|FAIL   QEMU native on Bochs's case set
#                                          (qemu_native_sampled) = Bochs tdp:
#                                          the platforms agree once QEMU's
#                                          RSVD quirk and the optional A bits
#                                          of faulting walks are normalised
# Logs: build/logs/pmatrix/<run>.log.
#
# Case sets (guest arguments, guests/pmatrix/main.c):
#   QEMU:  others=1                       (about 61k cases; shadow ~17 s)
#   Bochs: the same with sample=5         (every 5th case: a Bochs shadow
#          run of the whole set takes ~3.5 min, over the 60 s budget)
# Every case runs, including supervisor fetches under CR4.SMAP with
# EFER.NXE=0: under mmu=shadow hv runs the CPU with EFER.NXE forced on so
# those #PFs carry the I/D bit (hv/svm/svm.c, hv/vmx/vmx.c); before that fix
# they came as reads and SMAP refused them (idless=skip left them out).
# PMATRIX_ONLY="qemu_native qemu_tdp" runs only the runs named (a comparison
# with a run left out is skipped).
set -u
base=build/logs/pmatrix
mkdir -p "$base"
QEMU_ARGS="others=1"
BOCHS_ARGS="$QEMU_ARGS sample=5"
status=0
declare -A digest

result() { echo "TEST pmatrix.$1 $2 $3"; [ "$2" = PASS ] || status=1; }

wanted() { [ -z "${PMATRIX_ONLY:-}" ] || [[ " $PMATRIX_ONLY " == *" $1 "* ]]; }

# judge RUN RC LOG SECONDS: the run's own line, and its digest for later.
judge() {
	local run=$1 rc=$2 log=$3 secs=$4 d n
	tr -d '\r' <"$log" | sed -nE "s/^TEST pmatrix\.([^ ]+) /TEST pmatrix.$run.\1 /p"
	d=$(tr -d '\r' <"$log" | sed -nE 's/^pmatrix: digest (0x[0-9a-f]+) over ([0-9]+) cases.*/\1/p' | tail -1)
	n=$(tr -d '\r' <"$log" | sed -nE 's/^pmatrix: digest 0x[0-9a-f]+ over ([0-9]+) cases.*/\1/p' | tail -1)
	local quirk
	quirk=$(tr -d '\r' <"$log" | sed -nE 's/^pmatrix: QEMU quirk: ([0-9]+) .*/, RSVD-without-P quirk in \1 cases/p' | tail -1)
	if [ "$rc" -ne 0 ]; then
		result "$run" FAIL "status $rc (log $log)"
	elif tr -d '\r' <"$log" | grep -qE '^TEST [^ ]+ FAIL'; then
		result "$run" FAIL "a group failed (log $log)"
	elif [ -z "$d" ]; then
		result "$run" FAIL "no digest line (log $log)"
	else
		digest[$run]=$d
		result "$run" PASS "$n cases, digest $d, ${secs}s$quirk"
	fi
}

# run_native RUN ARGS
run_native() {
	local log=$base/$1.log t0=$SECONDS rc
	timeout 60 qemu-system-x86_64 -cpu max -m 32M -kernel build/guests/pmatrix.elf \
		-append "$2" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-serial stdio -display none -monitor none -no-reboot </dev/null >"$log" 2>&1
	rc=$?
	# isa-debug-exit: guest exit code c ends QEMU with (c << 1) | 1
	[ $((rc & 1)) -eq 1 ] && rc=$((rc >> 1)) || rc=$((rc == 0 ? 125 : rc))
	judge "$1" "$rc" "$log" $((SECONDS - t0))
}

run_qemu_hv() {
	local mmu=$1 log=$base/qemu_$1.log t0=$SECONDS rc
	bash scripts/run-qemu.sh -g pmatrix -m "$mmu" -T -t 90 -o "$base/qemu_$mmu" \
		-a "$QEMU_ARGS" >"$log" 2>&1
	rc=$?
	judge "qemu_$mmu" "$rc" "$log" $((SECONDS - t0))
}

run_bochs_hv() {
	local mmu=$1 dir=$base/bochs_$1 log=$base/bochs_$1.log t0=$SECONDS rc
	mkdir -p "$dir"
	if ! bash scripts/mkiso.sh "$dir/hvlab.iso" build/hv.elf "" build/guests/pmatrix.elf \
		"mmu=$mmu $BOCHS_ARGS" >"$log" 2>&1; then
		result "bochs_$mmu" FAIL "mkiso failed (log $log)"
		return
	fi
	bash scripts/run-bochs.sh -q -t 120 -d "$dir" "$dir/hvlab.iso" >>"$log" 2>&1
	rc=$?
	cat "$dir/com1.txt" >>"$log" 2>/dev/null
	judge "bochs_$mmu" "$rc" "$log" $((SECONDS - t0))
}

# compare NAME RUN...: every run's digest equal (and all present).
compare() {
	local name=$1 first="" r detail=""
	shift
	for r in "$@"; do
		wanted "$r" || return 0
		local d=${digest[$r]:-}
		[ -n "$d" ] || { result "$name" FAIL "no digest from $r"; return; }
		[ -z "$first" ] && first=$d
		detail+="${detail:+ = }$r"
		[ "$d" = "$first" ] || { result "$name" FAIL "$(for x in "$@"; do printf '%s %s ' "$x" "${digest[$x]:-none}"; done)"; return; }
	done
	result "$name" PASS "$detail: $first"
}

echo "# pmatrix: QEMU runs with \"$QEMU_ARGS\", Bochs runs with \"$BOCHS_ARGS\" (every 5th case)"
wanted qemu_native && run_native qemu_native "$QEMU_ARGS"
wanted qemu_native_sampled && run_native qemu_native_sampled "$BOCHS_ARGS"
wanted qemu_tdp && run_qemu_hv tdp
wanted qemu_shadow && run_qemu_hv shadow
wanted bochs_tdp && run_bochs_hv tdp
wanted bochs_shadow && run_bochs_hv shadow
compare digest_qemu qemu_native qemu_tdp qemu_shadow
compare digest_bochs bochs_tdp bochs_shadow
compare digest_cross qemu_native_sampled bochs_tdp
exit $status
