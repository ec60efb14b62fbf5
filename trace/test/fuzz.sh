#!/usr/bin/env bash
# fuzz.sh CC BUILD SECONDS HVTRACE: build the libFuzzer target for the trace
# decoder and run it for SECONDS from a seed corpus of small synthetic
# traces (plus a truncated and a wrong-version one). One TEST line.
set -u
CC=$1; B=$2; SECS=$3; HV=$4
name=trace.fuzz.reader
if ! command -v "$CC" >/dev/null; then echo "TEST $name FAIL $CC not installed (scripts/deps.sh installs clang)"; exit 0; fi
if ! make -s --no-print-directory "$B/fuzz_reader" >"$B/fuzz_build.log" 2>&1; then
	echo "TEST $name FAIL build: $(tail -3 "$B/fuzz_build.log")"; exit 0
fi
C=$B/fuzz_corpus; rm -rf "$C"; mkdir -p "$C"
for s in 1 2 3; do "$HV" synth --events $((20 * s)) --seed $s --out "$C/seed$s"; done
head -c 1100 "$C/seed1" > "$C/trunc"
"$B/fuzz_reader" -max_total_time="$SECS" -rss_limit_mb=1024 -print_final_stats=1 "$C" >"$B/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$B/fuzz.log" | grep -o '[0-9]*$')
if [ $rc = 0 ]; then echo "TEST $name PASS ${runs:-?} inputs in ${SECS} s, no crash"
else echo "TEST $name FAIL exit $rc: $(grep -m3 -E 'ERROR|SUMMARY' "$B/fuzz.log")"; fi
