#!/usr/bin/env bash
# bench.sh BUILD: the trace figures (run by bench-trace).
#   ring push cost (ring_bench); import speed of hvtrace on a synthetic trace
#   and the same over a bare SQLite insert loop (sqlite_limit), median of 5
#   (on a shared machine one slow run in five moves the median little).
# events/s = records in the file / wall seconds of the whole `hvtrace import`
# process (open, load, every index build, commit, rename); per CPU second =
# the same records / its user + system CPU seconds (all its threads), which
# other load on the machine moves much less than the wall time.
# Each timed run starts after `sync`: the files the steps before it wrote
# (the 128 MB synthetic trace, the last run's databases) are on disk, so the
# kernel's writeback of them does not run during it (seen: 10-15 % slower
# medians without). The run's own writes stay in its time as far as the
# process does them (into the page cache), as for a student's import.
set -u
B=$1; W=$B/trace/bench; mkdir -p "$W"
N=${TRACE_BENCH_EVENTS:-2000000}
RUNS=5
"$B/trace/ring_bench"
"$B/hvtrace" synth --events "$N" --seed 11 --out "$W/b.hvt" || exit 1
sync
recs=$(( ($(stat -c %s "$W/b.hvt") - 1024) / 64 ))   # records in the file, not the asked N
load0=$(cut -d' ' -f1 /proc/loadavg)
imports=(); cpus=(); limits=()
for i in $(seq $RUNS); do
	rm -f "$W/b.db" "$W/l.db"
	sync
	# wall and CPU seconds of one import process
	read -r wall cpu < <(python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.monotonic() - t, r.ru_utime + r.ru_stime)' "$B/hvtrace" import "$W/b.hvt" "$W/b.db") || exit 1
	imports+=("$(python3 -c "print(round($recs / $wall))")")
	cpus+=("$(python3 -c "print(round($recs / $cpu))")")
	rm -f "$W/b.db"
	sync
	limits+=("$("$B/trace/sqlite_limit" "$W/b.hvt" "$W/l.db" | awk '{print int($3)}')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
imp=$(median "${imports[@]}"); lim=$(median "${limits[@]}")
echo "BENCH trace.import_events_per_s $imp events/s"
echo "BENCH trace.import_over_sqlite_limit $(python3 -c "print(round($imp / $lim, 2))") ratio"
echo "BENCH trace.import_events_per_cpu_s $(median "${cpus[@]}") events/s"
echo "# $recs events, median of $RUNS (import runs: ${imports[*]}; per CPU second: ${cpus[*]}); bare insert loop (one prepared"
echo "# single-row INSERT, one transaction, no index): $lim rows/s (runs: ${limits[*]});" \
     "load average $load0 -> $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores"
rm -f "$W/b.hvt" "$W/b.db" "$W/l.db"
