#!/usr/bin/env bash
# plots_test.sh FIXTURE.db [FIXTURE2.db]: each plot script writes a non-empty
# PNG (checked by its signature). Prints "TEST plots.<script> PASS|FAIL".
set -u
DB=$1
DB2=${2:-$1}
# Debian's python3-matplotlib lives in /usr/bin/python3 (a pyenv python3 on
# PATH may not have it).
PY=${PYTHON:-}
if [ -z "$PY" ]; then
	PY=python3
	[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
fi
OUT=build/viz/test/plots
status=0
mkdir -p "$OUT"
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
	echo "TEST plots.matplotlib FAIL $PY has no matplotlib (Debian: python3-matplotlib)"
	exit 1
fi
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
for s in faults_over_time spte_changes flushes_over_time fault_latency compare_mmus; do
	png=$OUT/$s.png
	rm -f "$png"
	args=("$DB")
	[ "$s" = compare_mmus ] && args+=("$DB2")
	if "$PY" "viz/plots/$s.py" "${args[@]}" --out "$png" >/dev/null 2>"$OUT/$s.err" && is_png "$png"; then
		echo "TEST plots.$s PASS $(stat -c %s "$png") bytes"
	else
		echo "TEST plots.$s FAIL $(tail -1 "$OUT/$s.err")"
		status=1
	fi
done
exit $status
