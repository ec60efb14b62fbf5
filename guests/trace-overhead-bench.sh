#!/usr/bin/env bash
# trace-overhead-bench.sh: bench-trace-overhead (issue #5 figure).
#
#   BENCH trace.overhead_ratio      median traced / median untraced loop time
#   BENCH trace.run_traced_s        median loop time, trace on
#   BENCH trace.run_untraced_s      median loop time, trace off
#   BENCH trace.records_per_run     records the collector kept (last traced run)
#   BENCH trace.overhead_ratio_whole the same ratio from whole-loop times
#
# A run's loop time is ROUNDS x the guest's median round time: a burst of
# other load on this shared 2-core machine then moves a few rounds, not the
# figure (the whole-loop times, in the last line, spread far more).
#
# The workload is guests/zaploop under hv (QEMU TCG, SVM + NPT, mmu=tdp,
# 1 vCPU): ROUNDS rounds of writing PAGES pages with 4 KiB SPTEs (dirty
# logging on), reading them back and zapping them, i.e. about
# ROUNDS * PAGES NPT faults, SPTE maps and zaps. The time is the guest's
# own TSC count around the loop (no QEMU start-up or boot), converted to
# seconds with the TSC rate hv printed. Runs alternate traced / untraced,
# RUNS of each.
#
# What "traced" and "untraced" are here (scripts/run-qemu.sh with and
# without -T): traced = hv stores every record in its shared-memory rings,
# guest RAM is a shared file and `hvtrace collect` runs beside QEMU and
# drains the rings (lossless: hv waits when a ring is full). Untraced =
# hv has no rings: it still reserves a seq (one atomic add) and fills the
# record on its stack at each trace point, but env_trace_emit returns at
# once; RAM is anonymous and no collector runs. So the ratio is the cost of
# storing and collecting the records, not of building them.
#
# In a traced run the guest waits for HC_INFO_TRACE_ATTACHED before its
# loop (until a collector attaches, hv drops what overflows its ring). A
# traced run whose collector still lost records does not count; two such
# runs end the bench with an error.
set -u
RUNS=${RUNS:-7} ROUNDS=${ROUNDS:-60} PAGES=${PAGES:-512}
OUT=build/trace-bench
mkdir -p "$OUT"
ARGS="rounds=$ROUNDS pages=$PAGES"
traced=() untraced=() whole_t=() whole_u=() lost=0 records=0

# One run; prints the loop time in seconds, or nothing if it is unusable.
run_once() {
	local flag=$1 tag=$2 log=$OUT/run.$2.log
	bash scripts/run-qemu.sh -g zaploop -o "$OUT" $flag -t 60 -a "$ARGS" >"$log" 2>&1 || return 1
	local mhz cycles round
	mhz=$(sed -n 's/.*, TSC \([0-9]*\) MHz.*/\1/p' "$log" | head -1)
	cycles=$(sed -n 's/^zaploop: .* tsc=\([0-9]*\) round_med=.* bad=0.*/\1/p' "$log" | head -1)
	round=$(sed -n 's/^zaploop: .* round_med=\([0-9]*\) bad=0.*/\1/p' "$log" | head -1)
	[ -n "$mhz" ] && [ -n "$cycles" ] && [ -n "$round" ] || return 1
	if [ -z "$flag" ]; then
		# Every record must have reached the trace file.
		grep -q 'not kept' "$log" && return 2
		grep -qE '^collected [0-9]+ records \(0 dropped\)' "$OUT/zaploop.collect.log" || return 2
	fi
	awk -v r="$round" -v n="$ROUNDS" -v c="$cycles" -v m="$mhz" \
		'BEGIN { printf "%.4f %.4f\n", r * n / (m * 1e6), c / (m * 1e6) }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

i=0
while [ ${#traced[@]} -lt "$RUNS" ] || [ ${#untraced[@]} -lt "$RUNS" ]; do
	i=$((i + 1))
	if [ ${#traced[@]} -lt "$RUNS" ]; then
		s=$(run_once "" "traced.$i"); rc=$?
		case $rc in
		0) traced+=("${s% *}"); whole_t+=("${s#* }")
		   records=$(sed -nE 's/^collected ([0-9]+) records.*/\1/p' "$OUT/zaploop.collect.log") ;;
		2) lost=$((lost + 1)); echo "trace-overhead: traced run $i lost records (see $OUT/run.traced.$i.log)"
		   [ $lost -ge 2 ] && { echo "trace-overhead: traced runs keep losing records"; exit 1; } ;;
		*) echo "trace-overhead: traced run $i failed (see $OUT/run.traced.$i.log)"; exit 1 ;;
		esac
	fi
	if [ ${#untraced[@]} -lt "$RUNS" ]; then
		s=$(run_once "-T" "untraced.$i") ||
			{ echo "trace-overhead: untraced run $i failed (see $OUT/run.untraced.$i.log)"; exit 1; }
		untraced+=("${s% *}"); whole_u+=("${s#* }")
	fi
done
echo "trace-overhead: $ROUNDS rounds x $PAGES pages; loop times (rounds x median round):"
echo "  traced ${traced[*]} s; untraced ${untraced[*]} s"
echo "  whole loops: traced ${whole_t[*]} s; untraced ${whole_u[*]} s"
t=$(median "${traced[@]}") u=$(median "${untraced[@]}")
awk -v t="$t" -v u="$u" 'BEGIN { printf "BENCH trace.overhead_ratio %.3f ratio\n", t / u }'
printf 'BENCH trace.run_traced_s %.3f s\n' "$t"
printf 'BENCH trace.run_untraced_s %.3f s\n' "$u"
printf 'BENCH trace.records_per_run %d records\n' "$records"
t=$(median "${whole_t[@]}") u=$(median "${whole_u[@]}")
awk -v t="$t" -v u="$u" 'BEGIN { printf "BENCH trace.overhead_ratio_whole %.3f ratio\n", t / u }'
