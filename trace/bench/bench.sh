#!/usr/bin/env bash
# bench.sh BUILD: the trace figures (run by bench-trace).
#   ring push cost (ring_bench), import speed of hvtrace on a synthetic trace
#   and the same over a bare SQLite insert loop (sqlite_limit), best of 2.
set -u
B=$1; W=$B/trace/bench; mkdir -p "$W"
N=${TRACE_BENCH_EVENTS:-2000000}
"$B/trace/ring_bench"
"$B/hvtrace" synth --events "$N" --seed 11 --out "$W/b.hvt" || exit 1
best_import=0; best_limit=0
for i in 1 2; do
	rm -f "$W/b.db"
	t0=$(date +%s.%N)
	"$B/hvtrace" import "$W/b.hvt" "$W/b.db" >/dev/null || exit 1
	t1=$(date +%s.%N)
	r=$(python3 -c "print(round($N / ($t1 - $t0)))")
	[ "$r" -gt "$best_import" ] && best_import=$r
	l=$("$B/trace/sqlite_limit" "$W/b.hvt" "$W/l.db" | awk '{print int($3)}')
	[ "$l" -gt "$best_limit" ] && best_limit=$l
done
echo "BENCH trace.import_events_per_s $best_import events/s"
echo "BENCH trace.import_over_sqlite_limit $(python3 -c "print(round($best_import / $best_limit, 2))") ratio"
echo "# $N events; bare insert loop (one prepared single-row INSERT, one transaction, no index): $best_limit rows/s"
rm -f "$W/b.hvt" "$W/b.db" "$W/l.db"
