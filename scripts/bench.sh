#!/usr/bin/env bash
# bench.sh BENCH...: run each figure group (make bench-NAME) and print its
# "BENCH name value unit" lines; everything else goes to build/logs/.
set -u
mkdir -p build/logs
status=0
for b in "$@"; do
	log=build/logs/bench-$b.log
	if ! make -s --no-print-directory "bench-$b" >"$log" 2>&1; then
		echo "# bench-$b failed (see $log)" >&2
		status=1
	fi
	grep -E '^BENCH ' "$log"
done
exit $status
