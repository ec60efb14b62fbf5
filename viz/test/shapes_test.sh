#!/usr/bin/env bash
# shapes_test.sh: hvtui on the trace shapes of 32-bit and PAE guests under
# mmu=shadow, the VM's teardown at the end of every run, hv's livelock stop
# and INVPCID exits. Prints "TEST name PASS|FAIL detail"; expected values come
# from sqlite3 queries on the same databases.
#
#   1. real traces: guests/paging32 mode=32 and mode=pae booted under QEMU
#      with mmu=shadow (scripts/run-qemu.sh), imported by hvtrace:
#      tui.pae_root_path, tui.pae_walk_gpte, tui.quadrant_sp,
#      tui.quadrant_path, tui.gpte_32bit, tui.teardown_phase,
#      tui.summary_shapes; right after a CR3 switch to a cached root (the
#      guest's test_cr3_switch): tui.cr3_flush_root_MODE (the cr3 flush names
#      the root), tui.cr3_switch_path_MODE (the path starts there; stepping
#      back over the flush gives the old root)
#   2. a shadow fixture (mkfixture) with hv's livelock appended in SQL:
#      10 000 identical faults, then the marker "fault livelock":
#      tui.livelock_run, tui.livelock_skip, tmux.livelock_skip (the keys in
#      a terminal), tui.livelock_summary
#   3. the fixture with one exit made an INVPCID exit: tui.exit_invpcid
#   4. the plots mark the end of a run: plots.run_end (teardown and markers
#      as hvtui finds them), plots.paging32 (the time plots on the 32-bit trace)
set -u
HVTUI=${HVTUI:-build/hvtui}
B=build/viz
T=$B/test/shapes
mkdir -p "$T"
status=0

pass() { echo "TEST $1 PASS ${2:-}"; }
fail() { echo "TEST $1 FAIL ${2:-}"; status=1; }
dump() { $HVTUI --keys "$1" --dump "$2"; }
show() { sed 's/^/# /' <<<"$1"; }

# ---- 1. paging32 under the shadow MMU, real traces ---------------------------

# boot MODE: sets db to the imported trace of paging32 mode=MODE, or "".
boot() {
	local mode=$1 out=$T/pg32-$1 st
	db=""
	if [ ! -f build/hv.elf ] || [ ! -f build/guests/paging32.elf ] || [ ! -x build/hvtrace ]; then
		fail "tui.paging32_$mode" "build/hv.elf, build/guests/paging32.elf or build/hvtrace missing: run make all"
		return
	fi
	rm -rf "$out" "$out.db"
	# 180 s: a loaded machine; the run itself takes a few seconds under TCG.
	scripts/run-qemu.sh -g paging32 -m shadow -a "mode=$mode" -o "$out" -t 180 >"$out.log" 2>&1
	st=$?
	if [ $st -ne 0 ] || [ ! -s "$out/paging32.hvt" ] ||
	   ! build/hvtrace import "$out/paging32.hvt" "$out.db" >"$out.import.log" 2>&1; then
		fail "tui.paging32_$mode" "paging32 mode=$mode: status $st, trace or import failed (see $out.log)"
		return
	fi
	db=$out.db
}

# path_leaf_ok DB SEQ SCREEN: the L1 row of the path is the latest write of
# its sptep (table + 8 * index) at or before SEQ.
path_leaf_ok() {
	local row table idx value want
	# " L1 TABLE[IDX] SHADOW-PAGE VALUE decoded", SHADOW-PAGE as role_short()
	row=$(grep -E "^ L1 0x[0-9a-f]+\[ *[0-9]+\]" <<<"$3" | head -1)
	[ -n "$row" ] || return 1
	table=$(sed -E 's/^ L1 (0x[0-9a-f]+)\[.*/\1/' <<<"$row")
	idx=$(sed -E 's/^ L1 0x[0-9a-f]+\[ *([0-9]+)\].*/\1/' <<<"$row")
	value=$(sed -E 's/^ L1 [^]]*\] (PAE root|gPT 0x[0-9a-f]+( q[0-9])?|direct (0x[0-9a-f]+|0)|sp \?) +(0x[0-9a-f]+) .*/\4/' <<<"$row")
	want=$(sqlite3 -readonly "$1" "SELECT printf('0x%x', d) FROM events WHERE type = 1
		AND b = $((table + 8 * idx)) AND seq <= $2 ORDER BY seq DESC LIMIT 1")
	[ -n "$want" ] && [ -n "$value" ] && [ $((value)) = $((want)) ]
}

boot pae
if [ -n "$db" ]; then
	q() { sqlite3 -readonly "$db" "$1"; }
	# A shadow fault fixed with a 4K SPTE, at its fault_end: the path goes
	# down from the PAE root (level 3, index < 4), never from an L4.
	# gva 0x40000000 and up: the guest's own tables (below: paging off first).
	E=$(q "SELECT seq FROM events WHERE type = 4 AND reason = 2 AND aux = 1 AND c = 1
		AND a >= 1073741824 ORDER BY seq LIMIT 1 OFFSET 3")
	screen=$(dump "${E}g" "$db")
	if grep -qE "^ L3 0x[0-9a-f]+\[  [0-3]\] PAE root " <<<"$screen" && grep -qE "^ L2 .* gPT 0x" <<<"$screen" &&
	   ! grep -qE "^ L4 " <<<"$screen" && path_leaf_ok "$db" "$E" "$screen"; then
		pass tui.pae_root_path "fault_end $E: PAE root L3 -> L2 -> L1, leaf = latest write of its sptep"
	else
		fail tui.pae_root_path "fault_end $E: no PAE root -> L2 -> L1 path"; show "$screen"
	fi
	# A PDPTE step of a PAE walk: 8-byte gPTE, a PD pointer, no R/W or U/S.
	read -r W PD <<<"$(q "SELECT seq, printf('0x%x', b & 0xffffffffff000) FROM events WHERE type = 6
		AND level = 3 AND (b & 1) ORDER BY seq LIMIT 1 OFFSET 5" | tr '|' ' ')"
	screen=$(dump "${W}g" "$db")
	if grep -q "PAE paging (8-byte gPTEs): L3 entry" <<<"$screen" && grep -q ": P .*PD at $PD" <<<"$screen"; then
		pass tui.pae_walk_gpte "walk step $W: PAE PDPTE -> PD at $PD"
	else
		fail tui.pae_walk_gpte "walk step $W: PDPTE not decoded as PAE (PD $PD)"; show "$screen"
	fi
	Tpae=$db
fi

boot 32
if [ -n "$db" ]; then
	q() { sqlite3 -readonly "$db" "$1"; }
	# An SP for quadrant 1 of a 32-bit PD (role: 4B, level 2, quadrant 1).
	read -r S GFN <<<"$(q "SELECT seq, printf('0x%x', a) FROM events WHERE type = 7 AND level = 2
		AND (b & 65536) AND ((b >> 10) & 7) = 1 ORDER BY seq LIMIT 1" | tr '|' ' ')"
	screen=$(dump "${S}g" "$db")
	if [ -n "$S" ] && grep -q "quadrant 1 of the 32-bit PD at gfn $GFN: gPDEs 256..511" <<<"$screen"; then
		pass tui.quadrant_sp "sp_event $S: quadrant 1 of the 32-bit PD at gfn $GFN"
	else
		fail tui.quadrant_sp "sp_event ${S:-none}: quadrant 1 of PD $GFN not shown"; show "$screen"
	fi
	# A fault fixed at a gva in 0x40000000..0x7fffffff: its L2 shadow page is
	# quadrant 1 of the guest's PD, and the path starts at the PAE root.
	E=$(q "SELECT seq FROM events WHERE type = 4 AND reason = 2 AND aux = 1 AND c = 1
		AND a BETWEEN 1073741824 AND 2147483647 ORDER BY seq LIMIT 1 OFFSET 3")
	screen=$(dump "${E}g" "$db")
	if grep -qE "^ L3 0x[0-9a-f]+\[  1\] PAE root " <<<"$screen" &&
	   grep -qE "^ L2 .* gPT 0x[0-9a-f]+ q1 " <<<"$screen" && path_leaf_ok "$db" "$E" "$screen"; then
		pass tui.quadrant_path "fault_end $E: PAE root [1] -> L2 SP of quadrant 1 -> L1"
	else
		fail tui.quadrant_path "fault_end $E: path without the quadrant-1 SP"; show "$screen"
	fi
	# A 4 MiB PDE read by a 32-bit walk: 4-byte gPTE, address bits 39:32
	# from bits 20:13 (PSE-36), 8 hex digits.
	read -r W ADDR GPTE <<<"$(q "SELECT seq, printf('0x%x', (b & 0xffc00000) | (((b >> 13) & 255) << 32)),
		printf('0x%08x', b) FROM events WHERE type = 6 AND level = 2 AND (b & 129) = 129
		ORDER BY seq LIMIT 1" | tr '|' ' ')"
	screen=$(dump "${W}g" "$db")
	if [ -n "$W" ] && grep -q "32-bit paging (4-byte gPTEs): L2 entry" <<<"$screen" &&
	   grep -q "gPTE $GPTE at gpa .* PS 4M page $ADDR" <<<"$screen"; then
		pass tui.gpte_32bit "walk step $W: gPTE $GPTE = 4M page $ADDR"
	else
		fail tui.gpte_32bit "walk step ${W:-none}: 4M PDE $GPTE not decoded as 32-bit"; show "$screen"
	fi
	# The teardown: the records after the last one a guest caused.
	TD=$(q "SELECT max(seq) + 1 FROM events WHERE type IN (3, 4, 5, 6, 12, 13, 14, 15, 16)")
	before=$($HVTUI --size 140x24 --keys "$((TD - 1))g" --dump "$db")
	at=$($HVTUI --size 140x24 --keys "${TD}g" --dump "$db")
	last=$($HVTUI --size 140x24 --keys "G" --dump "$db")
	summary=$($HVTUI --summary "$db")
	if ! grep -q "VM teardown" <<<"$before" && grep -q "\[VM teardown\]" <<<"$at" &&
	   grep -qE "^- seq $TD .*\(VM teardown\)" <<<"$at" &&
	   grep -q "\[VM teardown\]" <<<"$last" && grep -qE "^teardown $TD +[0-9]+ .*pt_free" <<<"$summary" &&
	   [ "$(q "SELECT count(*) FROM events WHERE seq >= $TD AND type = 1 AND reason = 12")" -gt 0 ]; then
		pass tui.teardown_phase "teardown from seq $TD: title and summary say so, not before"
	else
		fail tui.teardown_phase "teardown from seq $TD not shown as such"; show "$at"; show "$summary"
	fi
	T32=$db
	T32_TD=$TD
	if grep -qE "^sp by mode .* 32-bit [0-9]+" <<<"$summary" && grep -qE "^exits .* pf [0-9]+" <<<"$summary"; then
		pass tui.summary_shapes "--summary: shadow pages by guest mode (32-bit), exits by kind"
	else
		fail tui.summary_shapes "--summary lacks the guest mode or the exits"; show "$summary"
	fi
fi

# ---- 1b. the root right after a CR3 switch (paging32's test_cr3_switch) -------
# A CR3 load that finds its root in the vCPU's cache writes no SPTE, so the
# cr3 tlb_flush record names the root (trace/FORMAT.md, e). Until the next
# SPTE change the path must start there, not at the root of the vCPU's last
# SPTE change; stepping back over the flush must give the old root again.

# rip_walk W: SQL true if walk step W belongs to hv's walk of the rip of a
# MOV CR3 exit: the exit, then only steps of that walk (PAE: the PDPTE first).
rip_walk() {
	echo "SELECT 1 FROM events x WHERE x.type = 13 AND x.reason = 3 AND x.vcpu = $1.vcpu
		AND x.d = $1.a AND x.seq BETWEEN $1.seq - 2 AND $1.seq - 1
		AND NOT EXISTS (SELECT 1 FROM events y WHERE y.seq > x.seq AND y.seq < $1.seq
			AND NOT (y.type = 6 AND y.a = $1.a))"
}

# cr3_root MODE DB: tui.cr3_flush_root_MODE, tui.cr3_switch_path_MODE.
cr3_root() {
	local mode=$1 db=$2 hvt=$T/pg32-$1/paging32.hvt F NEW OLD W GPT W0 GPT0 screen back ks
	# F: a cr3 flush to a root other than the one of the vCPU's latest SPTE
	# change S, a root that had SPTEs before S (so a cached one, back in use
	# with no record but F); W: hv's walk of the rip of a MOV CR3 exit (the
	# guest fetched it, so the new root maps it) after F, with no SPTE change
	# and no other CR3 load of that vCPU in between; W0: one between S and F.
	read -r F NEW OLD W GPT W0 GPT0 <<<"$(sqlite3 -readonly "$db" "
		WITH f AS (SELECT seq AS fs, vcpu AS v, e AS root, (SELECT s.seq FROM events s
			WHERE s.type = 1 AND s.vcpu = x.vcpu AND s.seq < x.seq ORDER BY s.seq DESC LIMIT 1) AS ss
			FROM events x WHERE type = 2 AND reason = 9 AND e != 0)
		SELECT f.fs, printf('0x%x', f.root), printf('0x%x', s.e), w.seq, printf('0x%x', w.c >> 12),
			w0.seq, printf('0x%x', w0.c >> 12)
		FROM f JOIN events s ON s.seq = f.ss
		JOIN events w ON w.type = 6 AND w.level = 2 AND w.vcpu = f.v AND w.seq > f.fs
			AND EXISTS ($(rip_walk w))
			AND NOT EXISTS (SELECT 1 FROM events y WHERE y.vcpu = f.v AND y.seq > f.fs
				AND y.seq < w.seq AND (y.type = 1 OR (y.type = 2 AND y.reason = 9)))
		JOIN events w0 ON w0.type = 6 AND w0.level = 2 AND w0.vcpu = f.v
			AND w0.seq > f.ss AND w0.seq < f.fs
			AND EXISTS ($(rip_walk w0))
			AND NOT EXISTS (SELECT 1 FROM events y WHERE y.vcpu = f.v AND y.type = 2
				AND y.reason = 9 AND y.seq > f.ss AND y.seq < f.fs)
		WHERE s.e != f.root AND EXISTS (SELECT 1 FROM events z WHERE z.type = 1
			AND z.vcpu = f.v AND z.e = f.root AND z.seq < f.ss)
		ORDER BY f.fs, w.seq, w0.seq DESC LIMIT 1" | tr '|' ' ')"
	if [ -z "$F" ]; then
		fail "tui.cr3_flush_root_$mode" "paging32 mode=$mode: no cr3 tlb_flush naming a root other than the latest SPTE change's, with a guest walk on each side (e = 0: hv built before the field?)"
		return
	fi
	# The record, as hvtrace dump and hvtui print it.
	screen=$(dump "${F}g" "$db")
	if build/hvtrace dump "$hvt" | grep -qE "^ +$F vcpu[0-9]+ .* tlb_flush +all local_all cr3 .* root=$NEW\$" &&
	   grep -qE "^> +$F .* cr3 .* root $NEW\$" <<<"$screen" &&
	   grep -q "runs on root $NEW from here" <<<"$screen"; then
		pass "tui.cr3_flush_root_$mode" "flush $F: hvtrace dump, the event list and the detail name root $NEW"
	else
		fail "tui.cr3_flush_root_$mode" "flush $F: root $NEW not shown"; show "$screen"
	fi
	# The path at W starts at the new root and goes through the SP that
	# shadows the guest PD this walk read (W's gPTE address); k back to W0
	# (over the flush) starts at the old root and its PD again.
	screen=$(dump "${W}g" "$db")
	ks=$(printf 'k%.0s' $(seq 1 $((W - W0))))
	back=$(dump "${W}g$ks" "$db")
	if grep -qE "^ L3 $NEW\[ *[0-3]\] PAE root " <<<"$screen" &&
	   grep -qE "^ L2 0x[0-9a-f]+\[ *[0-9]+\] gPT $GPT( q[0-3])? " <<<"$screen" &&
	   grep -q "^- seq $W0 " <<<"$back" && grep -qE "^ L3 $OLD\[ *[0-3]\] PAE root " <<<"$back" &&
	   grep -qE "^ L2 0x[0-9a-f]+\[ *[0-9]+\] gPT $GPT0( q[0-3])? " <<<"$back"; then
		pass "tui.cr3_switch_path_$mode" "walk $W after cr3 flush $F: path from root $NEW (gPT $GPT); k back to $W0: root $OLD (gPT $GPT0)"
	else
		fail "tui.cr3_switch_path_$mode" "walk $W after cr3 flush $F: want root $NEW gPT $GPT, at $W0 root $OLD gPT $GPT0"
		show "$screen"; show "$back"
	fi
}
[ -n "${Tpae:-}" ] && cr3_root pae "$Tpae"
[ -n "${T32:-}" ] && cr3_root 32 "$T32"

# ---- 2. the livelock stop (hv/core/fault_loop.c) ------------------------------

live=$T/livelock.db
N=10000
if $B/mkfixture --events 5000 --seed 9 --mmu shadow --out "$live" --schema trace/schema.sql; then
	# Each round as hv traces it: #PF exit, fault, a 4-level walk, fault_end
	# spurious; then the marker "fault livelock" (a..e: the label's bytes).
	sqlite3 "$live" "WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < $N - 1),
		k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 6),
		b(s) AS (SELECT max(seq) + 1 FROM events)
		INSERT INTO events SELECT s + n * 7 + i, 1000000 + n * 7 + i, 0,
			CASE i WHEN 0 THEN 13 WHEN 1 THEN 3 WHEN 6 THEN 4 ELSE 6 END,
			CASE i WHEN 0 THEN 2 WHEN 1 THEN 2 WHEN 6 THEN 2 ELSE 0 END,
			CASE WHEN i BETWEEN 2 AND 5 THEN 6 - i ELSE 0 END, 0,
			CASE i WHEN 6 THEN 2 ELSE 0 END,
			CASE i WHEN 0 THEN 78 ELSE 10998339620864 END,
			CASE i WHEN 0 THEN 17 WHEN 1 THEN 17 WHEN 6 THEN s + n * 7 + 1 ELSE 4096 * i + 39 END,
			0, 10998339620864, 0
		FROM r, k, b;
		INSERT INTO events SELECT max(seq) + 1, 0, 0, 16, 0, 0, 0, 0,
			7596482355875111270, 118074815309174, 0, 0, 0 FROM events;"
	read -r F1 FM FL MK <<<"$(sqlite3 -readonly "$live" "SELECT min(seq), min(seq) + 7 * ($N / 2 - 1),
		max(seq), (SELECT seq FROM events WHERE type = 16) FROM events WHERE type = 3
		AND a = 10998339620864 AND b = 17" | tr '|' ' ')"
	t0=$(date +%s.%N)
	mid=$(dump "${FM}g" "$live")
	skip1=$(dump "${FM}gx" "$live")
	skip2=$(dump "${FM}gxx" "$live")
	back=$(dump "${FM}gX" "$live")
	secs=$(echo "$(date +%s.%N) - $t0" | bc)
	if grep -q "IDENTICAL fault $((N / 2))/$N" <<<"$mid"; then
		pass tui.livelock_run "fault $FM: identical fault $((N / 2)) of $N in a row"
	else
		fail tui.livelock_run "fault $FM: the run of $N identical faults not shown"; show "$mid"
	fi
	if grep -q "seq $FL/" <<<"$skip1" && grep -q "seq $MK/" <<<"$skip2" &&
	   grep -q 'marker "fault livelock"' <<<"$skip2" && grep -q "seq $F1/" <<<"$back"; then
		pass tui.livelock_skip "x: $FM -> last $FL -> marker $MK; X: first $F1 (4 screens in ${secs}s)"
	else
		fail tui.livelock_skip "x/X from $FM: want $FL, $MK, back $F1"; show "$skip1"; show "$skip2"
	fi
	# The same keys in a terminal: tmux at 80x24 on a private socket.
	if command -v tmux >/dev/null; then
		SOCK=hvtui-shapes-$$
		tmux -L "$SOCK" new-session -d -s t -x 80 -y 24 "$HVTUI $live"
		got=""
		for ((i = 0; i < 200; i++)); do # up to 20 s: a loaded machine
			tmux -L "$SOCK" capture-pane -p -t t 2>/dev/null | grep -q "seq 0/" && break
			sleep 0.1
		done
		tmux -L "$SOCK" send-keys -t t "${FM}g" && sleep 0.5 && tmux -L "$SOCK" send-keys -t t x
		for ((i = 0; i < 100; i++)); do
			got=$(tmux -L "$SOCK" capture-pane -p -t t 2>/dev/null)
			grep -q "seq $FL/" <<<"$got" && break
			sleep 0.1
		done
		tmux -L "$SOCK" send-keys -t t q
		sleep 0.3
		tmux -L "$SOCK" kill-server 2>/dev/null
		if grep -q "seq $FL/" <<<"$got" && grep -q "IDENTICAL fault $N/$N" <<<"$got"; then
			pass tmux.livelock_skip "80x24: ${FM}g x -> last identical fault $FL"
		else
			fail tmux.livelock_skip "80x24: ${FM}g x did not reach $FL"; show "$got"
		fi
	else
		fail tmux.livelock_skip "tmux is not installed"
	fi
	summary=$($HVTUI --summary "$live")
	if grep -qE "^markers at +$MK \"fault livelock\"" <<<"$summary" &&
	   grep -qE "^  the run +$N identical faults, seq $F1\.\.$FL: shadow addr 0xa00c0205000 error 0x11 " <<<"$summary"; then
		pass tui.livelock_summary "--summary names the marker at $MK and the run $F1..$FL"
	else
		fail tui.livelock_summary "--summary lacks the livelock marker"; show "$summary"
	fi
else
	fail tui.livelock_run "mkfixture --mmu shadow failed"
fi

# ---- 3. INVPCID exits ------------------------------------------------------------

inv=$T/invpcid.db
if $B/mkfixture --events 3000 --seed 4 --mmu shadow --vendor svm --out "$inv" --schema trace/schema.sql; then
	X=$(sqlite3 "$inv" "UPDATE events SET reason = 14, a = 162 WHERE seq = (SELECT seq FROM events
		WHERE type = 13 ORDER BY seq LIMIT 1 OFFSET 10); SELECT seq FROM events WHERE type = 13 AND reason = 14")
	screen=$(dump "${X}g" "$inv")
	if grep -qE "^> +$X v[0-9]+ +exit +invpcid" <<<"$screen" && grep -q "exit invpcid: SVM code 0xa2 (VMEXIT_INVPCID)" <<<"$screen"; then
		pass tui.exit_invpcid "exit $X: invpcid, SVM VMEXIT_INVPCID"
	else
		fail tui.exit_invpcid "exit $X: INVPCID not named"; show "$screen"
	fi
else
	fail tui.exit_invpcid "mkfixture failed"
fi
# ---- 4. the plots: teardown and markers on the time axis -------------------------

PY=${PYTHON:-python3}
[ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if [ -n "${T32:-}" ] && [ -n "${MK:-}" ]; then
	got=$(cd viz/plots && "$PY" -c 'import sys, hvplot
a = hvplot.teardown_start(hvplot.connect(sys.argv[1]))
b = hvplot.markers(hvplot.connect(sys.argv[2]))
print(a[0] if a else None, b[0][0] if b else None, b[0][2] if b else None)' "../../$T32" "../../$live" 2>&1)
	if [ "$got" = "$T32_TD $MK fault livelock" ]; then
		pass plots.run_end "teardown from $T32_TD (paging32), marker \"fault livelock\" at $MK"
	else
		fail plots.run_end "got '$got', want '$T32_TD $MK fault livelock'"
	fi
	ok=1
	for s in faults_over_time flushes_over_time; do
		rm -f "$T/$s.png"
		"$PY" "viz/plots/$s.py" "$T32" --out "$T/$s.png" >/dev/null 2>"$T/$s.err" &&
			[ "$(head -c 4 "$T/$s.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] || ok=0
	done
	if [ $ok = 1 ]; then
		pass plots.paging32 "faults_over_time, flushes_over_time on the 32-bit shadow trace"
	else
		fail plots.paging32 "$(tail -1 "$T"/*.err)"
	fi
else
	fail plots.run_end "no paging32 trace or livelock fixture (above)"
fi
exit $status
