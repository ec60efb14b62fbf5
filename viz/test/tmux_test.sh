#!/usr/bin/env bash
# tmux_test.sh FIXTURE.db: hvtui screens, headless (--keys/--dump, --state)
# and driven in tmux at 80x24. Expected values are computed independently
# with sqlite3 queries on the fixture. Prints "TEST name PASS|FAIL detail".
set -u
DB=$1
HVTUI=${HVTUI:-build/hvtui}
T=build/viz/test
SOCK=hvtui-test-$$
status=0

pass() { echo "TEST $1 PASS ${2:-}"; }
fail() { echo "TEST $1 FAIL ${2:-}"; status=1; }
q() { sqlite3 -readonly "$DB" "$1"; }

# ---- headless ----------------------------------------------------------------

# The 300th SPTE change that mapped a leaf: its seq and new value.
read -r S NEW <<<"$(q "SELECT seq, printf('0x%016x', d) FROM events WHERE type = 1
	AND reason = 1 AND level = 1 AND (flags & 2) = 0 ORDER BY seq LIMIT 1 OFFSET 300" | tr '|' ' ')"
screen=$($HVTUI --keys "g$S\n" --dump "$DB")
if grep -qE "^> +$S " <<<"$screen" && grep -q "new $NEW" <<<"$screen" &&
   grep -qE "^ L1 .* $NEW " <<<"$screen"; then
	pass tui.dump_spte_change "seq $S new $NEW in the event and the L1 path entry"
else
	fail tui.dump_spte_change "seq $S new $NEW not on screen"; echo "$screen" | sed 's/^/# /'
fi

# --state: every live SPTE at seq M equals the latest write of each sptep <= M.
M=$(q "SELECT max(seq) * 3 / 5 FROM events")
NP=$(q "SELECT coalesce((SELECT value FROM meta WHERE key = 'spte.nonpresent_value'), 0)")
q "SELECT printf('0x%x 0x%016x', b, d) FROM events e WHERE type = 1 AND (flags & 2) = 0
	AND seq <= $M AND d != $NP AND seq = (SELECT max(seq) FROM events x WHERE x.type = 1
	AND (x.flags & 2) = 0 AND x.b = e.b AND x.seq <= $M) ORDER BY b" >"$T/state.sql"
$HVTUI --state "$M" "$DB" | awk 'NR > 2 { print $1, $4 }' | sort >"$T/state.tui"
sort -o "$T/state.sql" "$T/state.sql"
if [ -s "$T/state.sql" ] && cmp -s "$T/state.sql" "$T/state.tui"; then
	pass tui.state_vs_sql "$(wc -l <"$T/state.sql") live SPTEs at seq $M"
else
	fail tui.state_vs_sql "differs at seq $M: $(diff "$T/state.sql" "$T/state.tui" | head -3 | tr '\n' ' ')"
fi

# Count prefix and f: 500j then the next fault.
F=$(q "SELECT min(seq) FROM events WHERE type = 3 AND seq > 500")
if $HVTUI --keys "500jf" --dump "$DB" | grep -qE "^> +$F .* fault "; then
	pass tui.count_prefix_next_fault "500jf -> fault $F"
else
	fail tui.count_prefix_next_fault "expected fault $F"
fi

# w: a fault -> its first SPTE write -> back to the fault.
read -r WF WS <<<"$(q "SELECT f.seq, min(s.seq) FROM events f JOIN events s ON s.vcpu = f.vcpu
	AND s.type IN (1, 2) AND s.seq > f.seq AND s.seq < (SELECT seq FROM events WHERE type = 4
	AND b = f.seq) WHERE f.type = 3 GROUP BY f.seq ORDER BY f.seq LIMIT 1 OFFSET 40" | tr '|' ' ')"
if $HVTUI --keys "g$WF\nw" --dump "$DB" | grep -qE "^> +$WS " &&
   $HVTUI --keys "g$WF\nww" --dump "$DB" | grep -qE "^> +$WF "; then
	pass tui.why_roundtrip "fault $WF -> write $WS -> fault $WF"
else
	fail tui.why_roundtrip "fault $WF, first write $WS"
fi

# Filter: vCPU 1's SPTE changes, three steps.
FS=$(q "SELECT seq FROM events WHERE vcpu = 1 AND type = 1 AND seq > 0 ORDER BY seq LIMIT 1 OFFSET 2")
if $HVTUI --keys ":vcpu=1 type=spte\njjj" --dump "$DB" | grep -qE "^> +$FS +v1 +spte"; then
	pass tui.filter_vcpu_kind "3 steps -> seq $FS"
else
	fail tui.filter_vcpu_kind "expected seq $FS"
fi

# Search by gfn range and n; marks.
G=$(q "SELECT a FROM events WHERE type = 1 AND seq > 1000 LIMIT 1")
SS=$(q "SELECT seq FROM events WHERE seq > 0 AND ((type IN (1, 2, 7) AND a = $G) OR
	(type IN (4, 5, 12) AND (a >> 12) = $G) OR (type = 3 AND ((CASE WHEN c != 0 THEN c ELSE a END) >> 12) = $G)
	OR (type IN (8, 9) AND b = $G)) ORDER BY seq LIMIT 1 OFFSET 1")
if $HVTUI --keys "/gfn=$G\nn" --dump "$DB" | grep -qE "^> +$SS "; then
	pass tui.search_next "/gfn=$G n -> seq $SS"
else
	fail tui.search_next "expected seq $SS"
fi
if $HVTUI --keys "100gma5000g'a" --dump "$DB" | grep -qE "^>a +100 "; then
	pass tui.marks "ma at 100, 'a returns"
else
	fail tui.marks "'a did not return to 100"
fi
if $HVTUI --keys "?" --dump "$DB" | grep -q "why: fault"; then
	pass tui.help_from_table "help lists the key table"
else
	fail tui.help_from_table "no help screen"
fi

# ---- tmux ----------------------------------------------------------------------

if ! command -v tmux >/dev/null; then
	fail tmux.available "tmux is not installed"
	exit 1
fi
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT

# wait_for TEXT [SECONDS]: poll the pane until it shows TEXT (default 20 s:
# the machines are shared, so a slow start must not fail the test).
wait_for() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		tm capture-pane -p -t t 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# wait_for_rc: poll until the shell printed hvtui's exit status (the typed
# command line itself shows "HVTUI_RC=$?", which must not count).
wait_for_rc() {
	local i
	for ((i = 0; i < 200; i++)); do
		tm capture-pane -p -t t 2>/dev/null | grep -qE '^HVTUI_RC=[0-9]+' && return 0
		sleep 0.1
	done
	return 1
}
# wait_for_seq_above N [SECONDS]: poll until the title's cursor seq exceeds N.
wait_for_seq_above() {
	local i seq
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		seq=$(tm capture-pane -p -t t | sed -n '1s/.* seq \([0-9]*\)\/.*/\1/p')
		[ -n "$seq" ] && [ "$seq" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
alt_screen() { tm display-message -p -t t '#{alternate_on}'; }

tm new-session -d -s t -x 80 -y 24 "env -i PATH=$PATH HOME=$HOME TERM=screen PS1='$ ' bash --norc --noprofile"
tm set-option -g window-size manual 2>/dev/null
# run_in_pane CMD: clear the pane (and wait until the last status is gone),
# then run CMD and print its status as HVTUI_RC=N.
run_in_pane() {
	local i
	tm send-keys -t t "clear" Enter
	for ((i = 0; i < 50; i++)); do
		tm capture-pane -p -t t | grep -qE '^HVTUI_RC=' || break
		sleep 0.1
	done
	tm send-keys -t t "$1; echo HVTUI_RC=\$?" Enter
}

run_in_pane "$HVTUI $DB"
if wait_for "seq 0/" && [ "$(alt_screen)" = 1 ]; then
	tm send-keys -t t g "$S" Enter
	if wait_for "seq $S/" && wait_for "new $NEW" && tm capture-pane -p -t t | grep -qE "^ L1 .* $NEW "; then
		pass tmux.goto_and_path "80x24: seq $S, new $NEW, L1 entry $NEW"
	else
		fail tmux.goto_and_path "seq $S not shown"; tm capture-pane -p -t t | sed 's/^/# /'
	fi
	tm resize-window -t t -x 120 -y 40
	if wait_for "seq $S/" && sleep 0.3 && [ "$(tm capture-pane -p -t t | wc -l)" -eq 40 ] &&
	   [ "$(tm capture-pane -p -t t | grep -n "counters up to the cursor" | cut -d: -f1)" -gt 30 ] &&
	   [ "$(tm capture-pane -p -t t | grep -cE '^[ >] +[0-9]+ ')" -gt 12 ]; then
		pass tmux.resize "120x40: panes laid out again, longer event list"
	else
		fail tmux.resize "layout after resize"; tm capture-pane -p -t t | sed 's/^/# /'
	fi
	tm resize-window -t t -x 80 -y 24
	wait_for "seq $S/"
	# Play: faster twice, then space; the cursor must move on its own.
	tm send-keys -t t + + Space
	if wait_for "[play 50/s]" && wait_for_seq_above $((S + 20)) 15; then
		tm send-keys -t t Space
		pass tmux.play "space plays at +/- speed: seq $S -> past $((S + 20))"
	else
		fail tmux.play "cursor did not advance"; tm capture-pane -p -t t | head -2 | sed 's/^/# /'
	fi
	tm send-keys -t t q
	if wait_for_rc && tm capture-pane -p -t t | grep -q "^HVTUI_RC=0" && [ "$(alt_screen)" = 0 ]; then
		pass tmux.quit_clean "q: exit 0, alternate screen off"
	else
		fail tmux.quit_clean "after q: alt=$(alt_screen)"
	fi
else
	fail tmux.goto_and_path "hvtui did not start"; fail tmux.resize "not started"
	fail tmux.quit_clean "not started"
fi

run_in_pane "$HVTUI $DB"
if wait_for "seq 0/"; then
	tm send-keys -t t C-c
	if wait_for_rc && [ "$(alt_screen)" = 0 ]; then
		pass tmux.sigint_clean "Ctrl-C: terminal restored"
	else
		fail tmux.sigint_clean "alt=$(alt_screen)"
	fi
else
	fail tmux.sigint_clean "not started"
fi

# Interactive open without cached checkpoints (replay.h R6): the screen comes
# up at once, G lands on the last event while the index is built between
# key presses, and the completed set is cached in the database.
BG=$T/background.db
cp "$DB" "$BG"
sqlite3 "$BG" "DROP TABLE IF EXISTS tui_checkpoints; DROP TABLE IF EXISTS tui_checkpoint_info"
LAST=$(q "SELECT max(seq) FROM events")
NCK=$(q "SELECT (max(seq) - min(seq)) / 200 + 1 FROM events")
run_in_pane "$HVTUI --interval 200 $BG"
if wait_for "seq 0/"; then
	tm send-keys -t t G
	for ((i = 0; i < 200; i++)); do
		tm capture-pane -p -t t | head -1 | grep -q "indexing" || break
		sleep 0.1
	done
	if wait_for "seq $LAST/$LAST" && ! tm capture-pane -p -t t | head -1 | grep -q indexing; then
		tm send-keys -t t q
		wait_for_rc
		got=$(sqlite3 -readonly "$BG" "SELECT (SELECT count(*) FROM tui_checkpoints) || ' ' ||
			(SELECT value FROM tui_checkpoint_info WHERE key = 'interval')" 2>/dev/null)
		if [ "$got" = "$NCK 200" ]; then
			pass tmux.background_index "G -> seq $LAST; $NCK checkpoints built in the background and cached"
		else
			fail tmux.background_index "cached checkpoints/interval: '$got', expected '$NCK 200'"
		fi
	else
		fail tmux.background_index "G or the index did not finish"; tm capture-pane -p -t t | head -2 | sed 's/^/# /'
		tm send-keys -t t q
		wait_for_rc
	fi
else
	fail tmux.background_index "not started"
fi

check_error() { # name file expected-text
	run_in_pane "$HVTUI $2"
	if wait_for_rc && tm capture-pane -p -t t | grep -q "^HVTUI_RC=[1-9]" &&
	   tm capture-pane -p -t t | grep -q "$3" && [ "$(alt_screen)" = 0 ]; then
		pass "$1" "clear error '$3', non-zero exit, terminal clean"
	else
		fail "$1" "$(tm capture-pane -p -t t | grep -v '^$' | tr '\n' ' ' | cut -c1-200)"
	fi
}
check_error tmux.missing_db "$T/does-not-exist.db" "cannot open"
printf 'SQLite format 3\000 but then garbage, not a database at all...........\n' >"$T/corrupt-tmux.db"
check_error tmux.corrupt_db "$T/corrupt-tmux.db" "not a trace database"
exit $status
