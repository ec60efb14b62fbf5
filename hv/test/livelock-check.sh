#!/usr/bin/env bash
# livelock-check.sh: a fault the MMU "fixes" and the CPU raises again must
# end the run at once with a message (hv/core/fault_loop.c), never spin
# until the time limit. Boots under QEMU TCG (-cpu max: SVM):
#
#   TEST hv.livelock_shadow        build/hv/livelock/shadow/hv.elf (a guest
#                                  walker without SMEP, hv/test/livelock/
#                                  gwalk_perm_no_smep.c), pmatrix, mmu=shadow:
#                                  status 112, the "keeps fixing" line naming a
#                                  supervisor fetch (#PF error 0x11) and a
#                                  user SPTE, the usual end (VM torn down),
#                                  well before the time limit
#   TEST hv.livelock_shadow_trace  its trace: 10 000 identical faults at that
#                                  gva, then the marker "fault livelock"
#   TEST hv.livelock_tdp           build/hv/livelock/tdp/hv.elf (an all-ones
#                                  hole fault answered "spurious", hv/test/
#                                  livelock/tdp_hole_spurious.c), labhole,
#                                  mmu=tdp: status 112, the line names the #NPF
#   TEST hv.livelock_shadow_bochs  the same two builds in Bochs (VMX): the
#   TEST hv.livelock_tdp_bochs     #PF through shadow paging, and an EPT
#                                  violation with the EPT SPTE decoded
#   TEST hv.livelock_ref_shadow    build/hv.elf, the same pmatrix run: status 0,
#   TEST hv.livelock_ref_tdp       the same labhole run: status 0; the
#                                  reference MMU takes the same faults and
#                                  the detector stays quiet
# Logs and traces: build/livelock-test/<case>/ (Bochs: its console <case>.log)
set -u
OUT=build/livelock-test
LIMIT=60            # the run's time limit, as the labs' (labs/grade.sh)
WELL_BEFORE=30      # "ends by itself": in at most half of it, on a loaded machine
PMATRIX_ARGS="others=1 sample=19"   # lab 02's run (labs/02-shadow-walk/scenario)
LABHOLE_ARGS="mib=64 step=1m"       # lab 05's run (labs/05-allones-hole/scenario)
mkdir -p "$OUT"

# boot CASE HV RUN-QEMU-ARGS...: run, leave the console in $OUT/CASE.log;
# sets st (status) and secs (wall seconds).
boot() {
	local name=$1 hv=$2 t0; shift 2
	rm -rf "${OUT:?}/$name"
	t0=$(date +%s.%N)
	HVLAB_HV=$hv bash scripts/run-qemu.sh -o "$OUT/$name" -t "$LIMIT" "$@" >"$OUT/$name.log" 2>&1
	st=$?
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

# boot_bochs CASE HV GUEST "GUEST ARGS": the same in Bochs (VMX + EPT), from
# a GRUB ISO (scripts/mkiso.sh, as labs/grade.sh does); no trace.
boot_bochs() {
	local name=$1 hv=$2 guest=$3 args=$4 t0 dir=$OUT/$1
	rm -rf "${OUT:?}/$name"; mkdir -p "$dir"
	t0=$(date +%s.%N)
	if bash scripts/mkiso.sh "$dir/hvlab.iso" "$hv" "" "build/guests/$guest.elf" "$args" \
		>"$dir/mkiso.log" 2>&1; then
		bash scripts/run-bochs.sh -q -t "$LIMIT" -d "$dir" "$dir/hvlab.iso" >"$dir/run.log" 2>&1
		st=$?
		tr -d '\r' < "$dir/com1.txt" >"$OUT/$name.log" 2>/dev/null
	else
		st=2; cp "$dir/mkiso.log" "$OUT/$name.log"
	fi
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

# livelock CASE WHAT PATTERN: the run just booted ended as a livelock: status
# 112, PATTERN (grep -E) in hv's line, the usual end, within WELL_BEFORE s.
livelock() {
	local name=$1 what=$2 pattern=$3 log=$OUT/$1.log line
	line=$(grep -m1 -E '^hv: vCPU [0-9]+: the MMU keeps fixing a fault the CPU keeps raising' "$log")
	if [ "$st" != 112 ]; then
		echo "TEST hv.$name FAIL status $st (want 112) after ${secs}s: $(grep -E '^hv: ' "$log" | tail -1) (log $log)"
	elif [ -z "$line" ]; then
		echo "TEST hv.$name FAIL status 112 but no \"the MMU keeps fixing a fault the CPU keeps raising\" line (log $log)"
	elif ! grep -qE "$pattern" <<<"$line"; then
		echo "TEST hv.$name FAIL the line does not name $what ('$pattern'): $line"
	elif ! grep -q '^hv: VM torn down' "$log" || ! grep -q '^hv: exit status 112' "$log"; then
		echo "TEST hv.$name FAIL the run did not end as every run does (VM torn down, exit status 112) (log $log)"
	elif awk -v s="$secs" -v w="$WELL_BEFORE" 'BEGIN { exit !(s > w) }'; then
		echo "TEST hv.$name FAIL ended after ${secs}s, not well before the ${LIMIT}s limit (at most ${WELL_BEFORE}s) (log $log)"
	else
		echo "TEST hv.$name PASS status 112 after ${secs}s: ${line:4:150}..."
		return 0
	fi
	return 1
}

# finished CASE: the run just booted ended by itself with status 0 and no
# livelock line.
finished() {
	local name=$1 log=$OUT/$1.log
	if [ "$st" != 0 ]; then
		echo "TEST hv.$name FAIL status $st (want 0) after ${secs}s: $(grep -E '^hv: ' "$log" | grep -v 'exit status' | tail -1) (log $log)"
	elif grep -q 'the MMU keeps fixing' "$log"; then
		echo "TEST hv.$name FAIL a livelock was reported on the reference MMU (log $log)"
	elif grep -qE '^TEST [^ ]+ FAIL' "$log"; then
		echo "TEST hv.$name FAIL guest check failed: $(grep -m1 -E '^TEST [^ ]+ FAIL' "$log")"
	else
		echo "TEST hv.$name PASS status 0 after ${secs}s, $(grep -cE '^TEST [^ ]+ PASS' "$log") guest checks passed, no livelock reported"
	fi
}

# --- mmu=shadow: the walker lets a supervisor fetch through SMEP ---
boot livelock_shadow build/hv/livelock/shadow/hv.elf -g pmatrix -m shadow -a "$PMATRIX_ARGS"
if livelock livelock_shadow "a supervisor fetch (#PF error 0x11) through a user SPTE" \
	'#PF at gva 0x[0-9a-f]+ \(error 0x11: supervisor fetch, present\) at rip 0x[0-9a-f]+ came back 10000 times in a row, .* the SPTE it installs \(level [1-4]: 0x[0-9a-f]+, P (W )?(NX )?U '; then
	# The trace shows it: the faults at that gva, then hv's marker.
	gva=$(sed -n 's/^hv: vCPU [0-9]*: the MMU keeps fixing.*#PF at gva \(0x[0-9a-f]*\) .*/\1/p' "$OUT/livelock_shadow.log")
	hvt=$OUT/livelock_shadow/pmatrix.hvt db=$OUT/livelock_shadow/trace.db
	if [ ! -s "$hvt" ] || ! build/hvtrace import "$hvt" "$db" >"$OUT/livelock_shadow.import.log" 2>&1; then
		echo "TEST hv.livelock_shadow_trace FAIL no trace to import ($hvt; $OUT/livelock_shadow.import.log)"
	else
		row=$(sqlite3 -readonly -batch -separator ' ' "$db" "
			WITH m AS (SELECT min(seq) AS seq FROM events WHERE type = 16 AND seq > (SELECT max(seq) FROM events WHERE type = 3))
			SELECT (SELECT seq FROM m),
			       (SELECT count(*) FROM faults WHERE addr = $gva AND error = 17 AND result IN ('fixed', 'spurious')
			          AND seq > (SELECT max(seq) FROM faults WHERE addr <> $gva OR error <> 17)),
			       (SELECT count(*) FROM faults WHERE seq > (SELECT max(seq) FROM faults WHERE addr <> $gva OR error <> 17))" 2>&1)
		read -r mseq same last <<<"$row"
		label=$(build/hvtrace dump "$hvt" --from "${mseq:-0}" --count 1 2>/dev/null | grep -o '"fault livelock"')
		if [ -z "$mseq" ] || [ -z "$label" ]; then
			echo "TEST hv.livelock_shadow_trace FAIL no marker \"fault livelock\" after the last fault ($row; $db)"
		elif [ "$same" -lt 10000 ] || [ "$same" != "$last" ]; then
			echo "TEST hv.livelock_shadow_trace FAIL the trace ends with $last faults, $same of them #PF 0x11 at $gva fixed or spurious (want >= 10000, all) ($db)"
		else
			echo "TEST hv.livelock_shadow_trace PASS $same identical faults (#PF 0x11 at $gva, fixed/spurious) end the trace, then marker \"fault livelock\" at seq $mseq"
		fi
	fi
fi

# --- mmu=tdp: a hole fault the MMU calls spurious ---
boot livelock_tdp build/hv/livelock/tdp/hv.elf -T -g labhole -m tdp -a "$LABHOLE_ARGS"
livelock livelock_tdp "the #NPF" \
	'#NPF at gpa 0x[0-9a-f]+ \(error 0x[0-9a-f]+: [a-z ,]+\) at rip 0x[0-9a-f]+ came back 10000 times in a row, the MMU answering "spurious" each time'

# --- the same in Bochs: VMX, shadow paging and EPT ---
boot_bochs livelock_shadow_bochs build/hv/livelock/shadow/hv.elf pmatrix "mmu=shadow vcpus=1 mem=32 $PMATRIX_ARGS"
livelock livelock_shadow_bochs "a supervisor fetch (#PF error 0x11) through a user SPTE" \
	'#PF at gva 0x[0-9a-f]+ \(error 0x11: supervisor fetch, present\) at rip 0x[0-9a-f]+ came back 10000 times in a row, .* the SPTE it installs \(level [1-4]: 0x[0-9a-f]+, P (W )?(NX )?U '
boot_bochs livelock_tdp_bochs build/hv/livelock/tdp/hv.elf labhole "mmu=tdp vcpus=1 mem=32 $LABHOLE_ARGS"
livelock livelock_tdp_bochs "the EPT violation and its empty EPT entry" \
	'EPT violation at gpa 0x[0-9a-f]+ \(error 0x[0-9a-f]+: [a-z ,]+\) at rip 0x[0-9a-f]+ came back 10000 times in a row, the MMU answering "spurious" each time; the SPTE it installs \(level [1-4]: 0x[0-9a-f]+, EMPTY\)'

# --- the reference: the same runs end normally ---
boot livelock_ref_shadow build/hv.elf -T -g pmatrix -m shadow -a "$PMATRIX_ARGS"
finished livelock_ref_shadow
boot livelock_ref_tdp build/hv.elf -T -g labhole -m tdp -a "$LABHOLE_ARGS"
finished livelock_ref_tdp
exit 0
