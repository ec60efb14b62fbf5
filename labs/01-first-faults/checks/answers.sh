#!/usr/bin/env bash
# Lab 01's check: each "-- Qn:" section of the graded file ($SRC) against
# the reference answers on the same database ($DB). One line per question:
#   name<TAB>points<TAB>1|0<TAB>reason
set -u
REF=$LAB_DIR/ref/answers.sql

# section FILE N: the SQL of question N (the lines after "-- QN:" up to the next).
section() {
	awk -v q="-- Q$2:" 'index($0, "-- Q") == 1 { on = (index($0, q) == 1); next } on' "$1"
}

run() {
	sqlite3 -readonly -batch -separator ' ' "$DB" 2>&1 | tr '\n' ';' | sed 's/;$//'
}

for n in $(grep -oE '^-- Q[0-9]+:' "$REF" | tr -dc '0-9\n'); do
	want=$(section "$REF" "$n" | run)
	sql=$(section "$SRC" "$n")
	if [ -z "$(echo "$sql" | tr -d ' \n\t')" ]; then
		printf 'q%s\t1\t0\tno query under "-- Q%s:" in %s\n' "$n" "$n" "$SRC"
		continue
	fi
	got=$(echo "$sql" | run)
	if [ "$got" = "$want" ]; then
		printf 'q%s\t1\t1\tyour answer: %s\n' "$n" "$(echo "$got" | cut -c1-70)"
	else
		printf 'q%s\t1\t0\tyour answer "%s" is not what this trace says (check the question and the view you used)\n' \
			"$n" "$(echo "${got:-empty}" | cut -c1-60)"
	fi
done
