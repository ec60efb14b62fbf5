#!/usr/bin/env bash
# trace-overhead-bench.sh: bench-trace-overhead (issue #5 figure).
#
#   BENCH trace.overhead_ratio        traced / untraced loop time, icount clock
#   BENCH trace.run_traced_s          loop time, trace on  (icount clock)
#   BENCH trace.run_untraced_s        loop time, trace off (icount clock)
#   BENCH trace.records_per_run       records the collector kept (a traced run)
#   BENCH trace.overhead_ratio_host   the same ratio on the host's clock
#   BENCH trace.run_traced_host_s     medians on the host's clock
#   BENCH trace.run_untraced_host_s
#
# The workload is guests/zaploop under hv (QEMU TCG -cpu max, SVM + NPT,
# mmu=tdp, 1 vCPU): ROUNDS rounds of writing PAGES pages with 4 KiB SPTEs
# (dirty logging on), reading them back and zapping them, i.e. about
# ROUNDS * PAGES NPT faults, SPTE maps and SPTE zaps. A run's loop time is
# ROUNDS x the guest's median round time, from its own TSC (no QEMU
# start-up, no boot), converted to seconds with the TSC rate hv printed.
#
# Two clocks:
#   icount (the headline figures): QEMU runs with -icount shift=0 (one TCG
#     thread, HVLAB_ICOUNT in run-qemu.sh), so time is instructions executed
#     by the vCPU, guest and hv alike (1 ns each). Deterministic: the same
#     count every run. It measures the instructions hv spends on tracing,
#     not what TCG spends on a nested world switch (not an instruction) nor
#     the collector's share of the host CPUs. ICOUNT_RUNS runs of each.
#   host: normal multi-threaded TCG; the TSC follows host time. This is what
#     a user waits for, but on this shared 2-core machine other load moves a
#     run by tens of percent, more than tracing does. HOST_RUNS of each,
#     alternating traced / untraced; medians.
#
# What "traced" and "untraced" are (scripts/run-qemu.sh without and with
# -T): traced = hv stores every record in its shared-memory rings, guest
# RAM is a shared file and `hvtrace collect` runs beside QEMU and drains the
# rings (lossless: hv waits when a ring is full). Untraced = hv has no
# rings: at each trace point it still reserves a seq (one atomic add) and
# fills the record on its stack, but env_trace_emit returns at once; RAM is
# anonymous and no collector runs. So the ratio is the cost of storing and
# collecting the records, not of building them.
#
# In a traced run hv waits for the collector before the guest runs, and the guest checks HC_INFO_TRACE_ATTACHED before its
# loop (until a collector attaches, hv drops what overflows its ring). A
# traced run whose collector still lost records does not count; two such
# runs end the bench with an error.
set -u
ICOUNT_RUNS=${ICOUNT_RUNS:-3} HOST_RUNS=${HOST_RUNS:-5} ROUNDS=${ROUNDS:-60} PAGES=${PAGES:-512}
OUT=build/trace-bench
mkdir -p "$OUT"
ARGS="rounds=$ROUNDS pages=$PAGES"
lost=0 records=0

# run_once FLAG TAG: one run (FLAG "" = traced, -T = untraced); prints its
# loop time in seconds. Status 2: a traced run lost records.
run_once() {
	local flag=$1 tag=$2 log=$OUT/run.$2.log mhz round
	bash scripts/run-qemu.sh -g zaploop -o "$OUT" $flag -t 90 -a "$ARGS" >"$log" 2>&1 || return 1
	mhz=$(sed -n 's/.*, TSC \([0-9]*\) MHz.*/\1/p' "$log" | head -1)
	round=$(sed -n 's/^zaploop: .* round_med=\([0-9]*\) bad=0.*/\1/p' "$log" | head -1)
	[ -n "$mhz" ] && [ -n "$round" ] || return 1
	if [ -z "$flag" ]; then
		# Every record must have reached the trace file.
		grep -q 'not kept' "$log" && return 2
		grep -qE '^collected [0-9]+ records \(0 dropped\)' "$OUT/zaploop.collect.log" || return 2
	fi
	awk -v r="$round" -v n="$ROUNDS" -v m="$mhz" 'BEGIN { printf "%.5f\n", r * n / (m * 1e6) }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# series CLOCK RUNS: RUNS traced and RUNS untraced runs, alternating; sets
# the arrays T and U (loop times).
series() {
	local clock=$1 runs=$2 i=0 s rc
	T=() U=()
	while [ ${#T[@]} -lt "$runs" ] || [ ${#U[@]} -lt "$runs" ]; do
		i=$((i + 1))
		if [ ${#T[@]} -lt "$runs" ]; then
			s=$(run_once "" "$clock.traced.$i"); rc=$?
			case $rc in
			0) T+=("$s")
			   records=$(sed -nE 's/^collected ([0-9]+) records.*/\1/p' "$OUT/zaploop.collect.log") ;;
			2) lost=$((lost + 1))
			   echo "trace-overhead: traced run $clock.$i lost records (see $OUT/run.$clock.traced.$i.log)"
			   [ $lost -ge 2 ] && { echo "trace-overhead: traced runs keep losing records"; exit 1; } ;;
			*) echo "trace-overhead: run $clock.traced.$i failed (see $OUT/run.$clock.traced.$i.log)"; exit 1 ;;
			esac
		fi
		if [ ${#U[@]} -lt "$runs" ]; then
			s=$(run_once -T "$clock.untraced.$i") ||
				{ echo "trace-overhead: run $clock.untraced.$i failed (see $OUT/run.$clock.untraced.$i.log)"; exit 1; }
			U+=("$s")
		fi
	done
	echo "trace-overhead: $clock clock, $ROUNDS rounds x $PAGES pages, loop times (rounds x median round):"
	echo "  traced ${T[*]} s; untraced ${U[*]} s"
}

# bench_lines NAME_SUFFIX: the ratio and the two medians of T and U.
bench_lines() {
	local sfx=$1 t u
	t=$(median "${T[@]}") u=$(median "${U[@]}")
	awk -v t="$t" -v u="$u" -v s="$sfx" 'BEGIN {
		printf "BENCH trace.overhead_ratio%s %.3f ratio\n", s, t / u
		printf "BENCH trace.run_traced%s_s %.4f s\n", s, t
		printf "BENCH trace.run_untraced%s_s %.4f s\n", s, u }'
}

HVLAB_ICOUNT=0 series icount "$ICOUNT_RUNS"
icount_lines=$(bench_lines "")
series host "$HOST_RUNS"
host_lines=$(bench_lines _host)
echo "$icount_lines"
printf 'BENCH trace.records_per_run %d records\n' "$records"
echo "$host_lines"
