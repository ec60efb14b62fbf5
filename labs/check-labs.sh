#!/usr/bin/env bash
# check-labs.sh: the labs' own tests (make check-labs). For every lab:
#   TEST labs.NN.ref           full marks with the reference solution
#   TEST labs.NN.skeleton      NOT full marks with the shipped student file,
#                              and a check named FAIL
#   TEST labs.NN.wrong.NAME    NOT full marks with each wrong answer
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
		if [ "$y" -gt 0 ] && [ "$x" != "$y" ] && [ "$fail" != none ]; then
			echo "TEST labs.$nn.$name PASS $x/$y, failing check: $fail"
		else
			echo "TEST labs.$nn.$name FAIL $x/$y: the grader gave full marks or named no failing check (log $log)"
		fi
	done
done
exit 0
