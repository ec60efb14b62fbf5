#!/usr/bin/env bash
# check.sh: the viz/ checks (make check-viz). Prints "TEST name PASS|FAIL
# detail" lines; exits non-zero if any failed.
#   1. the replay model's unit tests (ASan/UBSan) on our own fixture
#      (mkfixture, written with the sqlite3 C API on trace/schema.sql) and,
#      when build/hvtrace is there, on a trace from `hvtrace synth` + import
#   2. hvtui screens, headless and in tmux (tmux_test.sh)
#   3. today's trace shapes (shapes_test.sh): paging32 in 32-bit and PAE mode
#      booted under mmu=shadow (PAE root, quadrants, 4-byte gPTEs), the VM's
#      teardown, hv's livelock stop, INVPCID exits, the root after a CR3 switch
#   4. every plot script writes a non-empty PNG (plots_test.sh), also on the
#      paging32 traces of 3
set -u
B=build/viz
T=$B/test
mkdir -p "$T"
status=0

fixture=$T/fixture.db
schema=()
[ -f trace/schema.sql ] && schema=(--schema trace/schema.sql)
if ! $B/mkfixture --events 30000 --seed 7 --vcpus 2 --out "$fixture" "${schema[@]}"; then
	echo "TEST viz.fixture FAIL mkfixture could not write $fixture"
	exit 1
fi
$B/test_replay "$fixture" || status=1
$B/test_ui "$fixture" || status=1
# Read-only, never opened: checkpoints in memory.
$B/mkfixture --events 8000 --seed 3 --out "$T/fresh.db" "${schema[@]}" &&
	$B/test_replay "$T/fresh.db" --readonly "$T/fresh.db" || status=1

# The same model tests on hvtrace's synthetic trace (the real import path).
synth=$T/synth.db
if [ -x build/hvtrace ]; then
	rm -f "$T/synth.hvt" "$synth"
	if build/hvtrace synth --events 100000 --seed 11 --out "$T/synth.hvt" >/dev/null &&
	   build/hvtrace import "$T/synth.hvt" "$synth" >/dev/null; then
		$B/test_replay "$synth" synth || status=1
		# A raw .hvt: hvtui imports it into a sibling .db first.
		cp "$T/synth.hvt" "$T/raw.hvt"
		rm -f "$T/raw.db"
		if build/hvtui --keys j --dump "$T/raw.hvt" 2>/dev/null | grep -q "seq 1/99999" &&
		   [ -s "$T/raw.db" ]; then
			echo "TEST tui.open_raw_hvt PASS imported raw.hvt into raw.db and opened it"
		else
			echo "TEST tui.open_raw_hvt FAIL raw .hvt not imported/opened"
			status=1
		fi
	else
		echo "TEST viz.synth_fixture FAIL hvtrace synth/import failed"
		status=1
	fi
fi

# Shadow MMU: tables indexed by gva. The path of a shadow SPTE change is
# found upwards from its sptep; a shadow fault walks down by its gva.
shadow=$T/shadow.db
if $B/mkfixture --events 20000 --seed 5 --mmu shadow --out "$shadow" "${schema[@]}"; then
	$B/test_replay "$shadow" shadow || status=1
	read -r F GVAF S NEW <<<"$(sqlite3 -readonly "$shadow" "SELECT f.seq, printf('0x%x', f.a >> 12),
		s.seq, printf('0x%016x', s.d) FROM events f JOIN events s ON s.type = 1 AND s.vcpu = f.vcpu
		AND s.level = 1 AND (s.flags & 2) = 0 AND s.seq = f.seq + 1 WHERE f.type = 3
		ORDER BY f.seq LIMIT 1 OFFSET 30" | tr '|' ' ')"
	at_fault=$(build/hvtui --keys "g$F
" --dump "$shadow")
	at_write=$(build/hvtui --keys "g$S
" --dump "$shadow")
	if grep -q "path of gva frame $GVAF " <<<"$at_fault" && grep -qE "^ L4 " <<<"$at_write" &&
	   grep -qE "^ L1 .* $NEW " <<<"$at_write"; then
		echo "TEST tui.shadow_path PASS fault $F walks gva frame $GVAF; write $S found up to L4, leaf $NEW"
	else
		echo "TEST tui.shadow_path FAIL fault $F gva frame $GVAF write $S $NEW"
		status=1
	fi
else
	echo "TEST tui.shadow_path FAIL mkfixture --mmu shadow failed"
	status=1
fi

bash viz/test/shapes_test.sh || status=1
bash viz/test/tmux_test.sh "$fixture" || status=1
second=$fixture
[ -s "$synth" ] && second=$synth
bash viz/test/plots_test.sh "$fixture" "$second" || status=1
exit $status
