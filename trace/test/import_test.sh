#!/usr/bin/env bash
# import_test.sh HVTRACE WORKDIR HVTRACE_PLAIN: tests of `hvtrace import` itself (run by
# check-trace after e2e.sh). Each test prints "TEST name PASS|FAIL detail".
#   every column of every row equals the record, also across seq gaps and a
#     first seq other than 0 (import_vtab.c gives consecutive seqs as NULL)
#   the planner statistics (sqlite_stat1) and the plans they give
#   S5: an existing DB is replaced by one rename (a reader of the old file
#     keeps it whole), an interrupted import leaves no file at all, and a
#     killed import's leftover goes at the next import
#   memory flat in trace length (measured with HVTRACE_PLAIN, hvtrace built
#     without sanitizers: ASan's quarantine holds on to freed memory)
set -u
HV=$1; W=$2; HV_PLAIN=$3
rm -rf "$W"; mkdir -p "$W"
N=200000

pass() { echo "TEST $1 PASS ${*:2}"; }
fail() { echo "TEST $1 FAIL ${*:2}"; }
sql() { sqlite3 -readonly "$W/t.db" "$@"; }
leftovers() { ls "$W"/*.tmp.* 2>/dev/null; }

"$HV" synth --events $N --seed 7 --out "$W/t.hvt" >/dev/null || { fail trace.import.synth "synth failed"; exit 0; }
"$HV" import "$W/t.hvt" "$W/t.db" >/dev/null 2>"$W/err" || { fail trace.import.load "$(cat "$W/err")"; exit 0; }

# ---- rows: what went in is what came out ----
# A lossy-looking trace: records 0..9 and 1000 removed (first seq 10, a gap).
python3 - "$W/t.hvt" "$W/gap.hvt" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
H, R = 1024, 64
n = (len(d) - H) // R
keep = [i for i in range(n) if i >= 10 and i != 1000]
out = bytearray(d[:H]) + b''.join(d[H + i * R:H + (i + 1) * R] for i in keep)
struct.pack_into('<Q', out, 32, len(keep))
open(sys.argv[2], 'wb').write(out)
PY
# rows_match TRACE DB: every record is one row with the same 13 values (S2: as int64).
rows_match() {
	python3 - "$1" "$2" <<'PY'
import sqlite3, struct, sys
d = open(sys.argv[1], 'rb').read()
H, R = 1024, 64
n = (len(d) - H) // R
db = sqlite3.connect('file:%s?mode=ro' % sys.argv[2], uri=True)
rows = db.execute('SELECT seq, tsc, vcpu, type, reason, level, flags, aux, a, b, c, d, e '
                  'FROM events ORDER BY seq')
i = 0
for i, row in enumerate(rows):
    if i >= n:
        sys.exit('more rows than the %d records' % n)
    f = struct.unpack_from('<QQHBBBBHQQQQQ', d, H + i * R)
    want = tuple(v - (1 << 64) if v >= 1 << 63 else v for v in f)
    if tuple(row) != want:
        sys.exit('row %d: %s, record %s' % (i, row, want))
else:
    i += 1
if i != n:
    sys.exit('%d rows for %d records' % (i, n))
print('%d rows equal their records' % n)
PY
}
if out=$(rows_match "$W/t.hvt" "$W/t.db" 2>&1); then pass trace.import.rows_exact "$out"
else fail trace.import.rows_exact "$out"; fi
if "$HV" import "$W/gap.hvt" "$W/gap.db" >/dev/null 2>"$W/err" && out=$(rows_match "$W/gap.hvt" "$W/gap.db" 2>&1) &&
   [ "$(sqlite3 -readonly "$W/gap.db" 'SELECT min(seq), count(*) FROM events WHERE seq = 1000 OR seq < 11')" = "10|1" ]; then
	pass trace.import.rows_gaps "first seq 10, seq 1000 missing: $out"
else fail trace.import.rows_gaps "$(cat "$W/err") $out"; fi

# ---- planner statistics and plans ----
# schema.sql: events_rare indexes every kind but the six dense ones, so a
# plain `type = K` finds the next record of a rare kind by one lookup.
DENSE=" 1 3 4 6 13 14 "
RARE_WHERE="type IN (SELECT id FROM event_types WHERE ' $DENSE ' NOT LIKE '% ' || id || ' %')"
want=$(sql "SELECT count(*) || ' ' || ((count(*) + count(DISTINCT type) - 1) / count(DISTINCT type)) FROM events WHERE $RARE_WHERE")
got=$(sql "SELECT stat FROM sqlite_stat1 WHERE idx = 'events_rare'")
plan() { sql "EXPLAIN QUERY PLAN $1" | tr '\n' ' '; }
bad=""
[ "$got" = "$want" ] || bad="$bad stat1 '$got' != '$want'"
p=$(plan 'SELECT count(*) FROM faults'); [[ $p == *"SEARCH e USING INDEX events_fault_end (b=?)"* ]] || bad="$bad faults: $p"
p=$(plan 'SELECT seq FROM events WHERE type = 4 AND b = 77'); [[ $p == *events_fault_end* ]] || bad="$bad fault_end: $p"
p=$(plan 'SELECT seq FROM events WHERE type = 1 AND b = 77'); [[ $p == *events_sptep* ]] || bad="$bad sptep: $p"
p=$(plan 'SELECT seq FROM events WHERE type = 1 AND a = 77'); [[ $p == *events_gfn* ]] || bad="$bad gfn: $p"
p=$(plan 'SELECT seq FROM events WHERE type = 9 AND a = 77 AND seq > 5'); [[ $p == *events_pt_free* ]] || bad="$bad pt_free: $p"
p=$(plan 'SELECT * FROM pt_lifetimes'); [[ $p == *"x USING INDEX events_pt_free"* && $p != *"x USING INDEX events_rare"* ]] || bad="$bad pt_lifetimes: $p"
# Every kind: the next record of a rare kind is one lookup in events_rare;
# a dense kind reads on by rowid. A kind in neither list fails here.
kinds=0
for k in $(sql 'SELECT id FROM event_types ORDER BY id'); do
	p=$(plan "SELECT seq FROM events WHERE seq > 10 AND type = $k ORDER BY seq LIMIT 1")
	if [[ $DENSE == *" $k "* ]]; then
		[[ $p == *"USING INTEGER PRIMARY KEY (rowid>?)"* ]] || bad="$bad dense $k: $p"
	else
		[[ $p == *"COVERING INDEX events_rare (type=? AND rowid>?)"* ]] || bad="$bad rare $k: $p"
	fi
	kinds=$((kinds + 1))
done
[ -z "$bad" ] && pass trace.import.plans "stat1 events_rare '$got'; faults join, fault_end, sptep, gfn, pt_free use their indexes; next-of-kind for all $kinds kinds (dense:$DENSE)" ||
	fail trace.import.plans "$bad"

# ---- S5: replaced whole, or not at all ----
"$HV" synth --events 5000 --seed 3 --out "$W/small.hvt" >/dev/null
cp "$W/t.db" "$W/rep.db"
ino0=$(stat -c %i "$W/rep.db")
# A reader holds the old file in a read transaction while the import replaces it.
out=$(python3 - "$HV" "$W/small.hvt" "$W/rep.db" <<'PY'
import sqlite3, subprocess, sys
hv, trace, path = sys.argv[1:]
old = sqlite3.connect(path, isolation_level=None)
old.execute('BEGIN')
before = old.execute('SELECT count(*) FROM events').fetchone()[0]
subprocess.run([hv, 'import', trace, path], check=True, stdout=subprocess.DEVNULL)
during = old.execute('SELECT count(*) FROM events').fetchone()[0]
old.execute('COMMIT')
new = sqlite3.connect(path).execute('SELECT count(*) FROM events').fetchone()[0]
print(before, during, new)
PY
)
read -r before during new <<<"$out"
ino1=$(stat -c %i "$W/rep.db")
if [ "$before" = $N ] && [ "$during" = $N ] && [ "$new" = 5000 ] && [ "$ino0" != "$ino1" ] && [ -z "$(leftovers)" ]; then
	pass trace.import.replace_atomic "old reader kept $during rows, new opens see $new; new inode, no temp file"
else fail trace.import.replace_atomic "rows before/during/after $out, inode $ino0 -> $ino1, left: $(leftovers)"; fi

# interrupt SIG: start an import onto a path (SIGINT not ignored, as from a
# terminal), signal it once its temporary file exists; prints the exit
# status as the shell gives it and what is left.
interrupt() {
	rm -f "$W/int.db"
	python3 - "$HV" "$W/t.hvt" "$W/int.db" "$1" <<'PY'
import glob, os, signal, subprocess, sys, time
hv, trace, db, sig = sys.argv[1:]
p = subprocess.Popen([hv, 'import', trace, db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
for _ in range(2000):
    if glob.glob(db + '.tmp.*') or p.poll() is not None:
        break
    time.sleep(0.005)
time.sleep(0.05)   # into the load
p.send_signal(getattr(signal, 'SIG' + sig))
rc = p.wait()
print('status %d left:%s' % (128 - rc if rc < 0 else rc, ''.join(' ' + f for f in sorted(glob.glob(db + '*')))))
PY
}
for sig in INT TERM HUP; do
	out=$(interrupt $sig)
	want=$(( 128 + $(kill -l $sig) ))
	if [ "$out" = "status $want left:" ]; then
		pass trace.import.interrupted_$sig "SIG$sig mid-import: died of it, no database, no temporary file"
	else fail trace.import.interrupted_$sig "want 'status $want left:', got '$out'"; fi
done

# SIGKILL cannot be caught: no database, a temporary file; the next import
# to the same path removes it (its process is gone) and succeeds.
out=$(interrupt KILL)
if [[ $out == "status 137 left: $W/int.db.tmp."* ]] && "$HV" import "$W/small.hvt" "$W/int.db" >/dev/null 2>"$W/err" &&
   [ -z "$(leftovers)" ] && [ "$(sqlite3 -readonly "$W/int.db" 'SELECT count(*) FROM events')" = 5000 ]; then
	pass trace.import.killed_leftover "SIGKILL left only ${out#*left: }; the next import removed it and loaded 5000 events"
else fail trace.import.killed_leftover "'$out', then: $(cat "$W/err") left: $(leftovers)"; fi

# ---- memory flat in trace length (issue #5) ----
# Peak resident memory of one import of 500K events and of 2M: the page
# cache and each index sorter are bounded (import.c), so four times the
# events may not take more than a few MiB more (a sorter spilling to memory,
# or a cache sized by the trace, would take tens).
peak_mib() {
	python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$HV_PLAIN" import "$1" "$W/mem.db"
}
if ! "$HV_PLAIN" synth --events 500000 --seed 5 --out "$W/m1.hvt" >/dev/null ||
   ! "$HV_PLAIN" synth --events 2000000 --seed 5 --out "$W/m4.hvt" >/dev/null ||
   ! m1=$(peak_mib "$W/m1.hvt") || ! m4=$(peak_mib "$W/m4.hvt"); then
	fail trace.import.memory_flat "synth or import failed"
elif [ "$m4" -le $((m1 + 6)) ]; then
	pass trace.import.memory_flat "peak $m1 MiB for 500K events, $m4 MiB for 2M"
else fail trace.import.memory_flat "peak $m1 MiB for 500K events but $m4 MiB for 2M (limit $((m1 + 6)))"; fi
rm -f "$W/m1.hvt" "$W/m4.hvt" "$W/mem.db"
exit 0
