#!/usr/bin/env bash
# pmatrix32-check.sh: check-pmatrix32 (hv/hv.mk). Runs the permission
# matrix of 32-bit and PAE paging (guests/paging32 with matrix=both: one
# boot runs the 32-bit matrix, then the PAE one; guests/paging32/matrix.c)
# these ways:
#
#   qemu_native          plain QEMU TCG -cpu max, no hv
#   qemu_tdp             hv mmu=tdp on QEMU (SVM + NPT)   scripts/run-qemu.sh
#   qemu_shadow          hv mmu=shadow on QEMU (SVM, the guest's tables shadowed)
#   bochs_tdp            hv mmu=tdp on Bochs (VMX + EPT)  scripts/mkiso.sh + run-bochs.sh
#   bochs_shadow         hv mmu=shadow on Bochs (VMX, no EPT)
#   qemu_shadow_sampled  hv mmu=shadow on QEMU on the Bochs runs' case set
#
# Case sets (guest arguments):
#   QEMU:  sample=5   (73k of the 366k cases; the shadow run ~6 s)
#   Bochs: sample=7   (52k cases; the shadow run ~25 s, ~60 s loaded)
# The whole set (sample=1: 89,856 32-bit + 165,888 PAE + 110,592 PDPTE
# cases) was run once each way on 2026-12-06: QEMU native ~0.5 s, QEMU
# shadow ~30 s, Bochs tdp ~15 s, Bochs shadow ~116 s; all passed, and
# QEMU shadow, Bochs tdp and Bochs shadow gave the same three digests
# (np=all natively on QEMU: 638k cases, 4 s, all passed).
# sample= must be prime to 2, 3 and 13 (the enumeration's inner loops are
# 234 and 432 cases long): else it picks the same combinations every time.
#
# Output: the guest's group lines renamed "TEST pmatrix32.<run>.<mode>.<group>",
#   TEST pmatrix32.<run> PASS|FAIL    status 0, no FAIL line, the three digests
# and the comparisons, like with like (guests/paging32/matrix.c's rules):
#   TEST pmatrix32.digest_qemu_<kind>   native = tdp = shadow      (pg32, pae)
#   TEST pmatrix32.digest_qemu_pdpte    native = tdp: QEMU's walker checks PDPTEs
#                                       at walk time ("rule walk"); under
#                                       mmu=shadow hv's PDPTE registers refuse
#                                       reserved bits at MOV CR3 as Intel does
#                                       ("rule load"): compared in _cross
#   TEST pmatrix32.digest_bochs_<kind>  tdp = shadow               (pg32, pae, pdpte)
#   TEST pmatrix32.digest_cross_<kind>  qemu_shadow_sampled = bochs_tdp (pg32,
#                                       pae, pdpte): the platforms agree once
#                                       QEMU's quirks are normalised
# A digest is FNV-1a over each case's outcome, error code and A/D bits.
#
# The check must be able to fail. With PMATRIX32_MUTANT_HV=path (make
# passes build/hv/pmatrix32-mutant/hv.elf: mmu/gwalk_perm.c with I/D reported
# for fetches in 32-bit paging under EFER.NXE=1 without SMEP, hv/hv.mk):
#   TEST pmatrix32.mutant_caught PASS|FAIL   that hv, mmu=shadow on QEMU,
#                                 "matrix=32 sample=5": the run must fail,
#                                 its first failing case a fetch whose #PF
#                                 came with I/D (0x10) where the model wants none
#
# PMATRIX32_RUNS="qemu_native qemu_tdp ... mutant" chooses runs (a comparison
# with a run left out is skipped); PMATRIX32_HV=path runs another hv.elf.
# Logs: build/logs/pmatrix32/<run>.log.
set -u
base=build/logs/pmatrix32
mkdir -p "$base"
RUNS=${PMATRIX32_RUNS:-qemu_native qemu_tdp qemu_shadow bochs_tdp bochs_shadow qemu_shadow_sampled mutant}
HV=${PMATRIX32_HV:-build/hv.elf}
ELF=build/guests/paging32.elf
QEMU_ARGS="matrix=both sample=5"
BOCHS_ARGS="matrix=both sample=7"
status=0
declare -A digest

for f in "$HV" "$ELF"; do
	[ -f "$f" ] || { echo "TEST pmatrix32.build FAIL $f is missing (run make first)"; exit 1; }
done

result() { echo "TEST pmatrix32.$1 $2 $3"; [ "$2" = PASS ] || status=1; }
wanted() { [[ " $RUNS " == *" $1 "* ]]; }

# judge RUN RC LOG SECONDS: the run's own line; its digests for later, as
# digest[RUN:pg32], digest[RUN:pae], digest[RUN:pdpte_load|pdpte_walk].
judge() {
	local run=$1 rc=$2 log=$3 secs=$4 clean kinds="" k d rule="" n=""
	clean=$(tr -d '\r' <"$log")
	echo "$clean" | sed -nE "s/^TEST pmatrix32\.([^ ]+) /TEST pmatrix32.$run.\1 /p"
	for k in pg32 pae; do
		d=$(echo "$clean" | sed -nE "s/^pmatrix32: $k digest (0x[0-9a-f]+) over ([0-9]+) cases.*/\1 \2/p" | tail -1)
		[ -n "$d" ] || continue
		digest[$run:$k]=${d% *}
		kinds+="$k ${d#* } "
	done
	d=$(echo "$clean" | sed -nE 's/^pmatrix32: pae pdpte digest (0x[0-9a-f]+) over ([0-9]+) cases \(rule ([a-z]+)\).*/\1 \2 \3/p' | tail -1)
	if [ -n "$d" ]; then
		read -r d n rule <<<"$d"
		digest[$run:pdpte_$rule]=$d
		kinds+="pdpte $n (rule $rule) "
	fi
	if [ "$rc" -ne 0 ]; then
		result "$run" FAIL "status $rc (log $log)"
	elif echo "$clean" | grep -qE '^TEST [^ ]+ FAIL'; then
		result "$run" FAIL "a group failed (log $log)"
	elif ! echo "$clean" | grep -q '^paging32: matrix done, 0 check'; then
		result "$run" FAIL "the guest did not finish (log $log)"
	elif [ -z "${digest[$run:pg32]:-}" ] || [ -z "${digest[$run:pae]:-}" ] || [ -z "$rule" ]; then
		result "$run" FAIL "a digest line is missing (log $log)"
	else
		result "$run" PASS "cases: ${kinds% }, ${secs}s"
	fi
}

run_native() {
	local run=$1 args=$2 log=$base/$1.log t0=$SECONDS rc
	timeout 90 qemu-system-x86_64 -cpu max -m 32M -kernel "$ELF" -append "$args" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
		-monitor none -no-reboot </dev/null >"$log" 2>&1
	rc=$?
	# isa-debug-exit: guest exit code c ends QEMU with (c << 1) | 1
	[ $((rc & 1)) -eq 1 ] && rc=$((rc >> 1)) || rc=$((rc == 0 ? 125 : rc))
	judge "$run" "$rc" "$log" $((SECONDS - t0))
}

# run_qemu_hv RUN MMU ARGS
run_qemu_hv() {
	local run=$1 mmu=$2 args=$3 log=$base/$1.log t0=$SECONDS rc
	HVLAB_HV=$HV bash scripts/run-qemu.sh -g paging32 -m "$mmu" -T -t 90 -o "$base/$run" \
		-a "$args" >"$log" 2>&1
	rc=$?
	judge "$run" "$rc" "$log" $((SECONDS - t0))
}

run_bochs_hv() {
	local mmu=$1 run=bochs_$1 dir=$base/bochs_$1 log=$base/bochs_$1.log t0=$SECONDS rc
	mkdir -p "$dir"
	rm -f "$dir/com1.txt"
	if ! bash scripts/mkiso.sh "$dir/hvlab.iso" "$HV" "" "$ELF" "mmu=$mmu $BOCHS_ARGS" \
		>"$log" 2>&1; then
		result "$run" FAIL "mkiso failed (log $log)"
		return
	fi
	bash scripts/run-bochs.sh -q -t 150 -d "$dir" "$dir/hvlab.iso" >>"$log" 2>&1
	rc=$?
	cat "$dir/com1.txt" >>"$log" 2>/dev/null
	judge "$run" "$rc" "$log" $((SECONDS - t0))
}

# mutant: the wrong walker's shadow run must fail, and for the I/D bit.
run_mutant() {
	local hv=${PMATRIX32_MUTANT_HV:-} log=$base/mutant.log t0=$SECONDS rc first got want
	if [ -z "$hv" ] || [ ! -f "$hv" ]; then
		result mutant_caught FAIL "no mutant hv (PMATRIX32_MUTANT_HV='$hv'): run it as make check-pmatrix32"
		return
	fi
	HVLAB_HV=$hv bash scripts/run-qemu.sh -g paging32 -m shadow -T -t 90 -o "$base/mutant" \
		-a "matrix=32 sample=5" >"$log" 2>&1
	rc=$?
	first=$(tr -d '\r' <"$log" | grep -m1 -A3 '^pmatrix32: FAIL ')
	got=$(echo "$first" | sed -nE 's/^pmatrix32: +got .* err (0x[0-9a-f]+) .*/\1/p')
	want=$(echo "$first" | sed -nE 's/^pmatrix32: +want .* err (0x[0-9a-f]+) .*/\1/p')
	if [ "$rc" -eq 0 ]; then
		result mutant_caught FAIL "the wrong walker passed (status 0, log $log)"
	elif [[ "$first" != *fetch* ]] || [ -z "$got" ] || [ -z "$want" ] || [ $(( (got ^ want) )) -ne 16 ]; then
		result mutant_caught FAIL "status $rc but not for the I/D bit: ${first%%$'\n'*} (log $log)"
	else
		result mutant_caught PASS "status $rc, $(tr -d '\r' <"$log" | grep -c '^TEST .* FAIL') groups failed, first: ${first%%$'\n'*} (#PF $got, model $want), $((SECONDS - t0))s"
	fi
}

# compare NAME KIND RUN...: the runs' digests of KIND are equal and present.
compare() {
	local name=$1 kind=$2 first="" r d detail=""
	shift 2
	for r in "$@"; do
		wanted "$r" || return 0
	done
	for r in "$@"; do
		d=${digest[$r:$kind]:-}
		[ -n "$d" ] || { result "$name" FAIL "no $kind digest from $r"; return; }
		[ -z "$first" ] && first=$d
		detail+="${detail:+ = }$r"
		if [ "$d" != "$first" ]; then
			result "$name" FAIL "$kind: $(for x in "$@"; do printf '%s %s ' "$x" "${digest[$x:$kind]:-none}"; done)"
			return
		fi
	done
	result "$name" PASS "$kind: $detail: $first"
}

echo "# pmatrix32: QEMU runs with \"$QEMU_ARGS\", Bochs runs with \"$BOCHS_ARGS\"; hv $HV"
wanted qemu_native && run_native qemu_native "$QEMU_ARGS"
wanted qemu_tdp && run_qemu_hv qemu_tdp tdp "$QEMU_ARGS"
wanted qemu_shadow && run_qemu_hv qemu_shadow shadow "$QEMU_ARGS"
wanted bochs_tdp && run_bochs_hv tdp
wanted bochs_shadow && run_bochs_hv shadow
wanted qemu_shadow_sampled && run_qemu_hv qemu_shadow_sampled shadow "$BOCHS_ARGS"
wanted mutant && run_mutant
for k in pg32 pae; do
	compare digest_qemu_$k $k qemu_native qemu_tdp qemu_shadow
done
compare digest_qemu_pdpte pdpte_walk qemu_native qemu_tdp
for k in pg32 pae pdpte_load; do
	compare digest_bochs_${k%_load} $k bochs_tdp bochs_shadow
	compare digest_cross_${k%_load} $k qemu_shadow_sampled bochs_tdp
done
exit $status
