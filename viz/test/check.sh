#!/usr/bin/env bash
# check.sh: the viz/ checks (make check-viz). Prints "TEST name PASS|FAIL
# detail" lines; exits non-zero if any failed.
#   1. the replay model's unit tests (ASan/UBSan) on a synthetic fixture
#   2. hvtui screens driven in tmux (tmux_test.sh)
#   3. every plot script writes a non-empty PNG
set -u
B=build/viz
T=$B/test
mkdir -p "$T"
status=0

# The fixture: our own generator, on the store's real schema (trace/schema.sql).
fixture=$T/fixture.db
schema=()
[ -f trace/schema.sql ] && schema=(--schema trace/schema.sql)
if ! $B/mkfixture --events 30000 --seed 7 --vcpus 2 --out "$fixture" "${schema[@]}"; then
	echo "TEST viz.fixture FAIL mkfixture could not write $fixture"
	exit 1
fi

$B/test_replay "$fixture" || status=1

for extra in viz/test/tmux_test.sh viz/test/plots_test.sh; do
	[ -f "$extra" ] || continue
	bash "$extra" "$fixture" || status=1
done
exit $status
