#!/usr/bin/env bash
# e2e.sh HVTRACE PRODUCER WORKDIR: end-to-end tests of hvtrace on synthetic
# traces (run by check-trace). Each test prints "TEST name PASS|FAIL detail".
#   synth -> check/stats/dump -> import -> sqlite3 counts and views
#   check catches an injected gap (T1) and an injected T2 violation
#   bad input: truncated, corrupt, wrong version -> message with the byte
#     offset, non-zero exit, no database (and an old one left untouched)
#   export --chrome parses as JSON with slices, instants, counters, names
#   collect from a shared-RAM image and from a port stream
#   every trace/queries/*.sql runs under sqlite3 -readonly
set -u
HV=$1; PROD=$2; W=$3
Q=$(cd "$(dirname "$0")/../queries" && pwd)
rm -rf "$W"; mkdir -p "$W"
N=200000

pass() { echo "TEST $1 PASS ${*:2}"; }
fail() { echo "TEST $1 FAIL ${*:2}"; }
# expect_bad NAME REGEX CMD...: CMD must exit non-zero with REGEX in stderr.
expect_bad() {
	local name=$1 re=$2; shift 2
	if "$@" >"$W/out" 2>"$W/err"; then fail "$name" "exit 0 for $*"; return 1; fi
	if ! grep -qE "$re" "$W/err"; then fail "$name" "message '$(head -c 300 "$W/err")' lacks /$re/"; return 1; fi
	return 0
}
sql() { sqlite3 -readonly "$W/t.db" "$@"; }
# patch FILE OFFSET FORMAT VALUE: overwrite bytes (python struct format).
patch() { python3 -c "import struct,sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); f.write(struct.pack(sys.argv[3], int(sys.argv[4],0)))" "$@"; }

# ---- synth, check, stats, dump ----
"$HV" synth --events $N --seed 7 --out "$W/t.hvt" && "$HV" synth --events $N --seed 7 --out "$W/t2.hvt"
if out=$("$HV" check "$W/t.hvt" 2>&1); then pass trace.synth.check "$out"; else fail trace.synth.check "$out"; fi
if cmp -s "$W/t.hvt" "$W/t2.hvt"; then pass trace.synth.deterministic "same seed, same bytes"; else fail trace.synth.deterministic "seed 7 gave two different files"; fi
"$HV" synth --events 50000 --seed 8 --vcpus 2 --out "$W/t3.hvt" && out=$("$HV" check "$W/t3.hvt" 2>&1) &&
	pass trace.synth.seed8_2vcpus "$out" || fail trace.synth.seed8_2vcpus "$out"

"$HV" dump "$W/t.hvt" > "$W/dump.txt"
lines=$(grep -vc '^#' "$W/dump.txt")
if [ "$lines" -eq $N ] && grep -q 'spte_change .*new=0x[0-9a-f]* \[P W U A' "$W/dump.txt" && grep -q 'tlb_flush .*zap' "$W/dump.txt"; then
	pass trace.dump.lines "$lines lines, SPTE bits decoded"
else fail trace.dump.lines "$lines lines or no decoded SPTE"; fi
"$HV" stats "$W/t.hvt" > "$W/stats.txt" && grep -q "^records   $N" "$W/stats.txt" &&
	pass trace.stats "$(grep -c '^event' "$W/stats.txt") event types counted" || fail trace.stats "$(head -3 "$W/stats.txt")"

# ---- import and counts ----
if "$HV" import "$W/t.hvt" "$W/t.db" >/dev/null 2>"$W/err"; then
	ok=1; detail=""
	[ "$(sql 'SELECT count(*) FROM events')" -eq $N ] || { ok=0; detail="events count"; }
	for t in spte_change tlb_flush fault fault_end pt_alloc pt_free; do
		d=$(awk -v t=$t '$4 == t' "$W/dump.txt" | wc -l)
		s=$(sql "SELECT count(*) FROM events_named WHERE type = '$t'")
		[ "$d" -eq "$s" ] || { ok=0; detail="$detail $t dump=$d db=$s"; }
	done
	f=$(sql 'SELECT count(*) FROM faults'); fe=$(sql 'SELECT count(*) FROM faults WHERE end_seq IS NOT NULL')
	e=$(sql 'SELECT count(*) FROM events WHERE type = 4')
	[ "$fe" -eq "$e" ] || { ok=0; detail="$detail faults joined $fe != fault_end $e"; }
	sc=$(sql 'SELECT count(*) FROM spte_changes'); si=$(sql 'SELECT count(*) FROM spte_intervals')
	lr=$(sql 'SELECT count(*) FROM spte_changes WHERE lost_race')
	[ "$si" -eq $((sc - lr)) ] || { ok=0; detail="$detail intervals $si != changes $sc - lost $lr"; }
	[ "$(sql "SELECT value FROM meta WHERE key = 'record_count'")" -eq $N ] || { ok=0; detail="$detail meta"; }
	[ "$ok" = 1 ] && pass trace.import.counts "$N events; $f faults, $sc SPTE changes, $si intervals match dump" ||
		fail trace.import.counts "$detail"
else fail trace.import.counts "$(cat "$W/err")"; fi

ok=1; detail=""
for v in events_named faults fault_latency spte_changes flushes spte_intervals pt_lifetimes live_sptes; do
	n=$(sql "SELECT count(*) FROM $v" 2>&1) || { ok=0; detail="$detail $v: $n"; }
	detail="$detail $v=$n"
done
[ "$(sql "SELECT count(*) FROM pragma_table_list WHERE name = 'events' AND strict = 1")" = 1 ] || { ok=0; detail="$detail not STRICT"; }
[ $ok = 1 ] && pass trace.import.views "$detail" || fail trace.import.views "$detail"

# State at a step: the interval view agrees with a replay of the changes.
g=$(sql "SELECT gfn FROM spte_changes WHERE level = 1 GROUP BY gfn ORDER BY count(*) DESC LIMIT 1")
s=$(sql "SELECT seq FROM spte_changes WHERE gfn = $g AND level = 1 AND NOT lost_race AND new != 0 ORDER BY seq LIMIT 1 OFFSET 1")
want=$(sql "SELECT new FROM spte_changes WHERE gfn = $g AND level = 1 AND NOT lost_race AND seq <= $s ORDER BY seq DESC LIMIT 1")
got=$(sql "SELECT value FROM spte_intervals WHERE gfn = $g AND level = 1 AND seq_from <= $s AND $s < seq_to")
[ -n "$want" ] && [ "$want" = "$got" ] && pass trace.import.state_at "gfn $g at seq $s = $got" ||
	fail trace.import.state_at "gfn $g seq $s: view $got, replay $want"

# ---- check catches injected violations ----
python3 - "$W/t.hvt" "$W/gap.hvt" "$W/t2bad.hvt" <<'PY'
import struct, sys
src, gap, t2 = sys.argv[1:]
d = bytearray(open(src, 'rb').read())
H, R = 1024, 64
n = (len(d) - H) // R
# gap: drop record 1000, fix record_count
g = d[:H + 1000 * R] + d[H + 1001 * R:]
struct.pack_into('<Q', g, 32, n - 1)
open(gap, 'wb').write(g)
# T2: the second change of some sptep gets a wrong old value (bit 12 flipped)
seen = {}
for i in range(n):
    o = H + i * R
    if d[o + 18] == 1 and not (d[o + 21] & 2):
        sptep = struct.unpack_from('<Q', d, o + 32)[0]
        if sptep in seen:
            old = struct.unpack_from('<Q', d, o + 40)[0]
            struct.pack_into('<Q', d, o + 40, old ^ (1 << 12))
            open(t2 + '.seq', 'w').write(str(struct.unpack_from('<Q', d, o)[0]))
            break
        seen[sptep] = i
open(t2, 'wb').write(d)
PY
expect_bad trace.check.gap 'T1 violated at seq 1001.*expected seq 1000' "$HV" check "$W/gap.hvt" &&
	pass trace.check.gap "$(cat "$W/err")"
t2seq=$(cat "$W/t2bad.hvt.seq")
expect_bad trace.check.t2 "T2 violated at seq $t2seq .*previous change of this SPTE at seq" "$HV" check "$W/t2bad.hvt" &&
	pass trace.check.t2 "$(cat "$W/err")"

# ---- bad input: message with the offset, non-zero exit, no database ----
bad_case() {   # NAME REGEX FILE
	local name=$1 re=$2 f=$3
	rm -f "$W/bad.db"
	expect_bad "$name" "$re" "$HV" import "$f" "$W/bad.db" || return
	if ls "$W"/bad.db* >/dev/null 2>&1; then fail "$name" "a database file was left: $(ls "$W"/bad.db*)"; return; fi
	expect_bad "$name" "$re" "$HV" dump "$f" || return
	expect_bad "$name" "$re" "$HV" stats "$f" || return
	expect_bad "$name" "$re" "$HV" check "$f" || return
	pass "$name" "$(cat "$W/err")"
}
head -c 100000 "$W/t.hvt" > "$W/trunc.hvt"                 # mid-record
bad_case trace.bad.truncated 'byte 99968: expected a whole 64-byte record .*found 32 bytes' "$W/trunc.hvt"
head -c $((1024 + 64 * 500)) "$W/t.hvt" > "$W/short.hvt"   # whole records, fewer than the header says
bad_case trace.bad.short 'byte 33024: expected record 500 of 200000, found end of file' "$W/short.hvt"
head -c 700 "$W/t.hvt" > "$W/hdr.hvt"
bad_case trace.bad.header 'byte 700: expected a 1024-byte header' "$W/hdr.hvt"
cp "$W/t.hvt" "$W/ver.hvt"; patch "$W/ver.hvt" 8 '<I' 2
bad_case trace.bad.version 'byte 8: expected format version 1, found version 2' "$W/ver.hvt"
cp "$W/t.hvt" "$W/magic.hvt"; patch "$W/magic.hvt" 0 '<Q' 0x4b4e554a
bad_case trace.bad.magic 'byte 0: expected magic' "$W/magic.hvt"
cp "$W/t.hvt" "$W/type.hvt"; patch "$W/type.hvt" $((1024 + 64 * 1234 + 18)) '<B' 0
bad_case trace.bad.type "byte $((1024 + 64 * 1234 + 18)): expected a record type 1..19 .*found 0" "$W/type.hvt"
cp "$W/t.hvt" "$W/order.hvt"; patch "$W/order.hvt" $((1024 + 64 * 777)) '<Q' 5
bad_case trace.bad.unsorted "byte $((1024 + 64 * 777)): expected seq above 776" "$W/order.hvt"
printf 'not a trace' > "$W/text.hvt"
bad_case trace.bad.not_a_trace 'expected a 1024-byte header' "$W/text.hvt"
cp "$W/t.db" "$W/keep.db"; sum=$(md5sum < "$W/keep.db")
if ! "$HV" import "$W/trunc.hvt" "$W/keep.db" 2>/dev/null && [ "$(md5sum < "$W/keep.db")" = "$sum" ] &&
	! ls "$W"/keep.db.tmp* >/dev/null 2>&1; then pass trace.bad.keeps_old_db "failed import left the existing DB unchanged"
else fail trace.bad.keeps_old_db "existing DB changed or temp left"; fi

# ---- export --chrome ----
if "$HV" export --chrome "$W/t.hvt" "$W/t.json" 2>"$W/err" && python3 -m json.tool "$W/t.json" >/dev/null &&
   out=$(python3 -c "
import json, sys, collections
e = json.load(open(sys.argv[1]))['traceEvents']
c = collections.Counter(x['ph'] for x in e)
assert all(c[p] > 0 for p in 'XiCM'), c
assert all(x['dur'] >= 0 for x in e if x['ph'] == 'X')
assert c['X'] == int(sys.argv[2]), ('slices', c['X'], 'faults ended', sys.argv[2])
assert c['i'] == int(sys.argv[3]), ('instants', c['i'], 'flushes', sys.argv[3])
print(' '.join('%s=%d' % kv for kv in sorted(c.items())))" "$W/t.json" "$(sql 'SELECT count(*) FROM faults WHERE end_seq IS NOT NULL')" "$(sql 'SELECT count(*) FROM flushes')"); then
	pass trace.export.chrome "valid JSON, a slice per fault, an instant per flush: $out"
else fail trace.export.chrome "$(cat "$W/err")"; fi
"$HV" export --chrome "$W/t.hvt" "$W/w.json" --from 1000 --to 2000 && python3 -m json.tool "$W/w.json" >/dev/null &&
	pass trace.export.window "seq 1000..2000 exported, valid JSON" || fail trace.export.window "windowed export"

# ---- collect: shared RAM image and port stream ----
K=0x5eed1234abcd
"$HV" collect --mem "$W/ram.img" --key $K --out "$W/shm.hvt" --timeout 30 >"$W/collect.out" 2>&1 &
cpid=$!
"$PROD" shm "$W/ram.img" $K 400000; prc=$?
wait $cpid; crc=$?
if [ $prc = 0 ] && [ $crc = 0 ] && out=$("$HV" check "$W/shm.hvt" 2>&1) && echo "$out" | grep -q ' 400000 records'; then
	pass trace.collect.shm "while the producer ran: $out"
else fail trace.collect.shm "producer $prc collect $crc: $(cat "$W/collect.out") $out"; fi

"$HV" collect --mem "$W/ram2.img" --key $K --out "$W/lossy.hvt" --timeout 30 >"$W/collect.out" 2>&1 &
cpid=$!
"$PROD" shm "$W/ram2.img" $K 400000 lossy; prc=$?
wait $cpid; crc=$?
if [ $crc = 0 ] && out=$("$HV" check "$W/lossy.hvt" 2>&1); then
	pass trace.collect.shm_lossy "$out"
else fail trace.collect.shm_lossy "collect $crc: $(cat "$W/collect.out") $out"; fi

# A run that never sets done: the run script ends the collector with SIGTERM.
"$HV" collect --mem "$W/ram3.img" --key $K --out "$W/term.hvt" --timeout 60 >"$W/collect.out" 2>&1 &
cpid=$!
"$PROD" shm "$W/ram3.img" $K 100000 nodone
sleep 0.5; kill -TERM $cpid; wait $cpid; crc=$?
if [ $crc = 0 ] && grep -q 'stopped by a signal' "$W/collect.out" && out=$("$HV" check "$W/term.hvt" 2>&1) &&
   echo "$out" | grep -q ' 100000 records'; then
	pass trace.collect.shm_sigterm "kept every record: $out"
else fail trace.collect.shm_sigterm "collect $crc: $(cat "$W/collect.out") $out"; fi

# hv reserved a seq it never emitted: T1 at the end of a clean run.
"$HV" collect --mem "$W/ram4.img" --key $K --out "$W/leak.hvt" --timeout 30 >"$W/collect.out" 2>"$W/err" &
cpid=$!
"$PROD" shm "$W/ram4.img" $K 1000 leak
if wait $cpid; then fail trace.collect.shm_unemitted "collect exit 0"
elif grep -q 'T1 violated: 1 seq(s) missing (first 1000)' "$W/err"; then pass trace.collect.shm_unemitted "$(cat "$W/err")"
else fail trace.collect.shm_unemitted "$(cat "$W/err")"; fi

expect_bad trace.collect.no_descriptor 'no trace descriptor with key 0x99' "$HV" collect --mem "$W/ram.img" --key 0x99 --out "$W/none.hvt" --timeout 1 &&
	{ [ ! -e "$W/none.hvt" ] && pass trace.collect.no_descriptor "$(cat "$W/err")" || fail trace.collect.no_descriptor "output left"; }

"$PROD" stream "$W/port.bin" 100000
if "$HV" collect --stream "$W/port.bin" --out "$W/port.hvt" >/dev/null 2>"$W/err" && out=$("$HV" check "$W/port.hvt" 2>&1) &&
   echo "$out" | grep -q ' 100000 records'; then
	pass trace.collect.stream "$out"
else fail trace.collect.stream "$(cat "$W/err") $out"; fi
head -c $(( $(stat -c %s "$W/port.bin") - 10 )) "$W/port.bin" > "$W/port_trunc.bin"
expect_bad trace.collect.stream_truncated 'expected a whole 64-byte record' "$HV" collect --stream "$W/port_trunc.bin" --out "$W/pt.hvt" &&
	{ [ ! -e "$W/pt.hvt" ] && pass trace.collect.stream_truncated "$(cat "$W/err")" || fail trace.collect.stream_truncated "output left"; }
python3 - "$W/port.bin" "$W/port_gap.bin" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(d[:1024 + 64 * 50] + d[1024 + 64 * 51:])
PY
expect_bad trace.collect.stream_gap 'T1 violated: 1 seq\(s\) missing' "$HV" collect --stream "$W/port_gap.bin" --out "$W/pg.hvt" &&
	pass trace.collect.stream_gap "$(cat "$W/err")"

# ---- example queries ----
sptep=$(sql "SELECT sptep FROM spte_changes WHERE gfn = $g LIMIT 1")
for f in "$Q"/*.sql; do
	name=trace.queries.$(basename "$f" .sql)
	out=$(printf '.param set :gfn %s\n.param set :seq %s\n.param set :sptep %s\n.read %s\n' "$g" "$s" "$sptep" "$f" |
		sqlite3 -readonly -bail "$W/t.db" 2>&1); rc=$?
	rows=$(printf '%s' "$out" | grep -c . || true)
	if [ $rc != 0 ] || echo "$out" | grep -q '^\(Error\|Parse error\|Runtime error\)'; then fail "$name" "$out"
	elif [ "$(basename "$f")" = freed_before_flush.sql ]; then
		[ "$rows" = 0 ] && pass "$name" "no table freed before its flush" || fail "$name" "$rows tables freed before a flush"
	elif [ "$rows" -gt 0 ]; then pass "$name" "$rows rows"
	else fail "$name" "no rows"; fi
done
exit 0
