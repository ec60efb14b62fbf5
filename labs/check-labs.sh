#!/usr/bin/env bash
# check-labs.sh: the labs' own tests (make check-labs). For every lab:
#   TEST labs.NN.ref           full marks with the reference solution
#   TEST labs.NN.skeleton      NOT full marks with the shipped student file,
#                              and a check named FAIL
#   TEST labs.NN.wrong.NAME    NOT full marks with each wrong answer, and
#                              every check its "fails:" header line names
#                              FAIL (e.g. one per scenario it is wrong in)
# Grader output: build/labs/check/NN-<solution>.log
set -u
OUT=build/labs/check
mkdir -p "$OUT"

# grade LAB SOLUTION LOG: run the grader, leave its output in LOG.
grade() {
	bash labs/grade.sh -s "$2" "$1" >"$3" 2>&1
}

# result LOG: "X Y first-failing-check" from a grader log.
result() {
	local score fail
	score=$(sed -n 's/^Score: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$1" | tail -1)
	fail=$(awk '$4 == "FAIL" || $3 == "FAIL" {print $1; exit}' "$1")
	echo "${score:-0 -1} ${fail:-none}"
}

# must_fail SOL LOG: the checks SOL's "fails:" header line names that did NOT
# fail in LOG (" name" each; empty when all failed or there is no such line).
must_fail() {
	local names n
	names=$(sed -n 's/^\( \*\|--\|#\) *fails: *//p' "$1".* 2>/dev/null | head -1)
	for n in $names; do
		awk -v n="$n" '$1 == n && ($4 == "FAIL" || $3 == "FAIL") {f = 1} END {exit !f}' "$2" || printf ' %s' "$n"
	done
}

for dir in "$@"; do
	lab=$(basename "$dir"); nn=${lab%%-*}
	log=$OUT/$lab-ref.log
	grade "$dir" ref "$log"
	read -r x y fail <<<"$(result "$log")"
	if [ "$y" -gt 0 ] && [ "$x" = "$y" ]; then
		echo "TEST labs.$nn.ref PASS $x/$y with the reference"
	else
		echo "TEST labs.$nn.ref FAIL $x/$y with the reference, first failing check: $fail (log $log)"
	fi
	for sol in student $(cd "$dir" && ls wrong/* 2>/dev/null | sed 's/\.[a-z]*$//'); do
		name=${sol/student/skeleton}; name=${name/\//.}
		log=$OUT/$lab-${sol//\//-}.log
		grade "$dir" "$sol" "$log"
		read -r x y fail <<<"$(result "$log")"
		missing=$(must_fail "$dir/$sol" "$log")
		if [ -n "$missing" ]; then
			echo "TEST labs.$nn.$name FAIL $x/$y: the grader did not fail$missing, which the wrong answer's \"fails:\" line names (log $log)"
		elif [ "$y" -gt 0 ] && [ "$x" != "$y" ] && [ "$fail" != none ]; then
			echo "TEST labs.$nn.$name PASS $x/$y, failing check: $fail$(sed -n 's/^\( \*\|--\|#\) *fails: */; named checks all fail: /p' "$dir/$sol".* 2>/dev/null | head -1)"
		else
			echo "TEST labs.$nn.$name FAIL $x/$y: the grader gave full marks or named no failing check (log $log)"
		fi
	done
done
exit 0
