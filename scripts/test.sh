#!/usr/bin/env bash
# test.sh CHECK...: run each check group (make check-NAME), keep its log in
# build/logs/, count the "TEST name PASS|FAIL" lines, and end with the line
# "N passed, N failed". A group that exits non-zero without printing a FAIL
# line counts as one failure of its own, so a crash is never a silent pass.
set -u
mkdir -p build/logs
pass=0; fail=0; failed=()
for c in "$@"; do
	log=build/logs/check-$c.log
	start=$(date +%s)
	make -s --no-print-directory "check-$c" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^TEST [^ ]+ PASS' "$log")
	f=$(grep -cE '^TEST [^ ]+ FAIL' "$log")
	grep -E '^TEST [^ ]+ (PASS|FAIL)' "$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "TEST check-$c FAIL exited with status $rc without a FAIL line (see $log)"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "TEST check-$c FAIL ran no test (see $log)"
		f=1
	fi
	[ "$f" -gt 0 ] && failed+=("$c")
	pass=$((pass + p)); fail=$((fail + f))
	echo "# check-$c: $p passed, $f failed in $(( $(date +%s) - start )) s (log: $log)"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "# failing groups: ${failed[*]}; their logs are in build/logs/"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
