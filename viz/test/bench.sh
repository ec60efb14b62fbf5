#!/usr/bin/env bash
# bench.sh: hvtui figures on a 10M-event trace (make bench-tui). The trace is
# made once with `hvtrace synth` + `hvtrace import` (our own mkfixture if
# hvtrace is not built) under build/bench/ and reused.
set -eu
DB=build/bench/tui-10m.db
mkdir -p build/bench
if [ ! -s "$DB" ]; then
	if [ -x build/hvtrace ]; then
		build/hvtrace synth --events 10000000 --seed 1 --out build/bench/tui-10m.hvt
		build/hvtrace import build/bench/tui-10m.hvt "$DB.tmp"
		rm -f build/bench/tui-10m.hvt
	else
		schema=()
		[ -f trace/schema.sql ] && schema=(--schema trace/schema.sql)
		build/viz/mkfixture --events 10000000 --seed 1 --vcpus 4 --out "$DB.tmp" "${schema[@]}"
	fi
	mv "$DB.tmp" "$DB"
fi
build/viz/bench_tui "$DB"
