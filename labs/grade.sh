#!/usr/bin/env bash
# grade.sh: build, run and grade hvlab labs (labs/README.md).
#
#   labs/grade.sh [-s SOLUTION] LAB...
#
#   LAB       a lab folder (labs/04-zap-flush) or its number (04)
#   -s        which code to grade: student (default: the lab's student file),
#             ref (the reference: the mmu/ file itself, or the lab's ref
#             answers), or wrong/NAME (labs/NN-name/wrong/NAME.*)
#
# For each lab: build hv with the solution in place of the one mmu/ file
# the lab replaces (REPLACES in the scenario), boot the scenario under
# QEMU (scripts/run-qemu.sh), import the trace into SQLite, run the checks.
# Every check prints its name, points, OK or FAIL and why; the lab ends with
# "Score: X/Y". A failed lab keeps its log and trace and prints their paths.
# A lab may have more runs of the same build: each labs/NN-name/scenario.NAME
# is sourced on top of `scenario`, run and graded too (check names prefixed
# "NAME."; a check with a "scenarios: LIST" header line runs only in those,
# `main` being `scenario` itself); one Score for the whole lab.
#
# Needs build/labs/hv-objs.txt and build/labs/cflags.txt (written by
# `make grade` through labs/labs.mk): the main build's hv objects and the
# freestanding compiler flags, so a lab build compiles one file and links.
# Exit status: 0 (even when checks fail), 2 when the grader itself cannot run.
set -u
SOLUTION=student
while getopts "s:" opt; do
	case $opt in
	s) SOLUTION=$OPTARG ;;
	*) sed -n '2,22p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,22p' "$0"; exit 2; }

OBJLIST=build/labs/hv-objs.txt
CFLAGS_FILE=build/labs/cflags.txt
for f in "$OBJLIST" "$CFLAGS_FILE" build/hvtrace; do
	[ -f "$f" ] || { echo "grade: $f missing: run 'make grade' (labs/labs.mk)" >&2; exit 2; }
done

total=0 score=0 failed=0 PREFIX=""

# say NAME POINTS OK|FAIL REASON: one check's line, and the running score.
say() {
	local name=$PREFIX$1 pts=$2 res=$3 why=$4
	printf '  %-26s %2s pt  %-4s  %s\n' "$name" "$pts" "$res" "$why"
	total=$((total + pts))
	if [ "$res" = OK ]; then score=$((score + pts)); else failed=1; fi
}

# The source a SOLUTION stands for, in lab folder $1 (prints the path).
solution_src() {
	local dir=$1
	case $SOLUTION in
	student) echo "$dir/$STUDENT" ;;
	ref)     if [ -n "$REPLACES" ]; then echo "$REPLACES"; else echo "$dir/ref/$STUDENT"; fi ;;
	wrong/*) ls "$dir/$SOLUTION".* 2>/dev/null | head -1 ;;
	*)       echo "" ;;
	esac
}

# build_hv SRC OUT: hv with SRC in place of $REPLACES; errors in OUT/build.log.
build_hv() {
	local src=$1 out=$2 replaced objs
	replaced="build/hv/obj/$REPLACES.o"
	objs=$(tr ' ' '\n' < "$OBJLIST" | grep -v -x -F "$replaced" | tr '\n' ' ')
	# shellcheck disable=SC2046
	${FREE_CC:-gcc} $(cat "$CFLAGS_FILE") -c "$src" -o "$out/solution.o" >"$out/build.log" 2>&1 &&
	ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
		--no-warn-rwx-segments -T hv/linker.ld -o "$out/hv64.elf" $objs "$out/solution.o" \
		>>"$out/build.log" 2>&1 &&
	objcopy -O elf32-i386 "$out/hv64.elf" "$out/hv.elf" >>"$out/build.log" 2>&1
}

# run_bochs HV OUT HVT: the scenario in Bochs (VMX + EPT) from a GRUB ISO,
# the trace sent through the parallel port (trace=port); the console after.
run_bochs() {
	local hv=$1 out=$2 hvt=$3 rc
	mkdir -p "$out/run"
	bash scripts/mkiso.sh "$out/run/hvlab.iso" "$hv" "trace=port" "build/guests/$GUEST.elf" \
		"mmu=$MMU vcpus=$SMP mem=$MEM $ARGS" || return 2
	bash scripts/run-bochs.sh -q -t "$TIMEOUT" -s "$SMP" -c "$BOCHS_CPU" -d "$out/run" -T "$hvt" \
		"$out/run/hvlab.iso"
	rc=$?
	tr -d '\r' < "$out/run/com1.txt"
	return $rc
}

# run_sql_check FILE DB: one "ok<TAB>reason" row from the check's query.
run_sql_check() {
	local file=$1 db=$2 name pts row ok why
	name=$(basename "$file" .sql); name=${name#[0-9][0-9]_}
	pts=$(sed -n 's/^-- points: *//p' "$file" | head -1)
	row=$(cat labs/lib/views.sql "$file" | sqlite3 -readonly -batch -separator $'\t' "$db" 2>&1 | tail -1)
	ok=${row%%$'\t'*}; why=${row#*$'\t'}
	if [ "$ok" = 1 ]; then say "$name" "${pts:-1}" OK "$why"
	elif [ "$ok" = 0 ]; then say "$name" "${pts:-1}" FAIL "$why"
	else say "$name" "${pts:-1}" FAIL "the check could not run: $row"; fi
}

# run_sh_check FILE: a check script printing "name<TAB>points<TAB>1|0<TAB>reason" lines.
run_sh_check() {
	local name pts ok why
	while IFS=$'\t' read -r name pts ok why; do
		[ -n "$name" ] || continue
		if [ "$ok" = 1 ]; then say "$name" "$pts" OK "$why"; else say "$name" "$pts" FAIL "$why"; fi
	done < <(bash "$1")
}

# scenario_vars DIR NAME: the defaults, the lab's scenario, and scenario.NAME on top.
scenario_vars() {
	GUEST=hello MMU=tdp SMP=1 CPU=max MEM=32 ARGS="" TIMEOUT=60 REPLACES="" STUDENT=student.c
	RUNNER=qemu BOCHS_CPU=corei7_skylake_x
	RUN_POINTS=1 GUEST_POINTS=1
	# shellcheck disable=SC1090,SC1091
	. "$1/scenario"
	# shellcheck disable=SC1090
	if [ "$2" != main ]; then . "$1/scenario.$2"; fi
}

# scenario_names DIR: main, then NAME for each scenario.NAME.
scenario_names() {
	local f
	echo main
	for f in "$1"/scenario.*; do [ -f "$f" ] && echo "${f##*/scenario.}"; done
}

# check_applies FILE NAME: the check runs in scenario NAME (no "scenarios:" line: in all).
check_applies() {
	local list
	list=$(sed -n 's/^\(--\|#\) *scenarios: *//p' "$1" | head -1)
	[ -z "$list" ] || [[ " $list " == *" $2 "* ]]
}

# lab_points DIR: the lab's full marks as far as the files say (run, guest,
# SQL checks, in every scenario).
lab_points() {
	local sum=0 name c p
	for name in $(scenario_names "$1"); do
		scenario_vars "$1" "$name"
		sum=$((sum + RUN_POINTS + GUEST_POINTS))
		for c in "$1"/checks/*.sql; do
			[ -f "$c" ] && check_applies "$c" "$name" || continue
			p=$(sed -n 's/^-- points: *//p' "$c" | head -1)
			sum=$((sum + ${p:-1}))
		done
	done
	echo "$sum"
}

grade_lab() {
	local dir=$1 lab src out hv name
	lab=$(basename "$dir")
	scenario_vars "$dir" main
	src=$(solution_src "$dir")
	out=build/labs/$lab/${SOLUTION//\//-}
	rm -rf "$out"; mkdir -p "$out"
	total=0 score=0 failed=0 PREFIX=""
	[ "$RUNNER" = bochs ] && CPU="$BOCHS_CPU (Bochs)"
	echo "== lab $lab ($SOLUTION: ${src:-none}; scenario: guest $GUEST, mmu=$MMU, $SMP vCPU(s), cpu $CPU${ARGS:+, args \"$ARGS\"})"
	if [ -z "$src" ] || [ ! -f "$src" ]; then
		say build 0 FAIL "no solution file for '$SOLUTION' in $dir"
		echo "Score: 0/0 (lab $lab)"; return
	fi
	hv=build/hv.elf
	if [ -n "$REPLACES" ]; then
		if build_hv "$src" "$out"; then
			hv=$out/hv.elf
		else
			say build "$RUN_POINTS" FAIL "$src does not compile or link: $(grep -m1 -E 'error|undefined' "$out/build.log")"
			echo "  build log: $out/build.log"
			echo "Score: 0/$(lab_points "$dir") (lab $lab)"; return
		fi
	fi
	for name in $(scenario_names "$dir"); do
		scenario_vars "$dir" "$name"
		if [ "$name" = main ]; then
			PREFIX="" grade_run "$dir" "$hv" "$src" "$out" main
		else
			[ "$RUNNER" = bochs ] && CPU="$BOCHS_CPU (Bochs)"
			echo "-- scenario $name: guest $GUEST, mmu=$MMU, $SMP vCPU(s), cpu $CPU${ARGS:+, args \"$ARGS\"}"
			PREFIX="$name." grade_run "$dir" "$hv" "$src" "$out/$name" "$name"
		fi
	done
	echo "Score: $score/$total (lab $lab)"
}

# grade_run DIR HV SRC OUT NAME: boot scenario NAME (its variables are set)
# with HV, and say the run, guest and check lines; files under OUT.
grade_run() {
	local dir=$1 hv=$2 src=$3 out=$4 name=$5 status db log hvt c fails passes
	local failed_before=$failed
	mkdir -p "$out"
	failed=0
	log=$out/run.log
	hvt=$out/run/$GUEST.hvt
	if [ "$RUNNER" = bochs ]; then
		run_bochs "$hv" "$out" "$hvt" >"$log" 2>&1
	else
		HVLAB_HV=$hv bash scripts/run-qemu.sh -g "$GUEST" -m "$MMU" -s "$SMP" -c "$CPU" -M "$MEM" \
			-t "$TIMEOUT" ${ARGS:+-a "$ARGS"} -o "$out/run" >"$log" 2>&1
	fi
	status=$?
	db=$out/trace.db
	if [ "$status" = 0 ]; then
		say run "$RUN_POINTS" OK "the run ended by itself, status 0"
	elif [ "$status" = 124 ]; then
		say run "$RUN_POINTS" FAIL "time limit of ${TIMEOUT}s reached: the guest hung or hv looped"
	elif grep -q '^hv: guest exit with code' "$log"; then
		say run "$RUN_POINTS" OK "the run ended by itself (the guest exited with code $status)"
	elif grep -qE '^hv: ' "$log"; then
		say run "$RUN_POINTS" FAIL "status $status: $(grep -m1 -E '^hv: (PANIC|guest touched|guest triple|vCPU [0-9]+: (the MMU|cannot)|cannot|stopping)' "$log" || grep -E '^hv: ' "$log" | grep -v 'exit status' | tail -1)"
	else
		say run "$RUN_POINTS" FAIL "status $status, hv never started: $(grep -m1 -E '^(mkiso|run-qemu|run-bochs):' "$log")"
	fi
	fails=$(grep -cE '^TEST [^ ]+ FAIL' "$log"); passes=$(grep -cE '^TEST [^ ]+ PASS' "$log")
	if [ "$fails" = 0 ] && [ "$passes" -gt 0 ] && grep -q '^hv: guest exit with code 0' "$log"; then
		say guest "$GUEST_POINTS" OK "the guest finished and its $passes checks passed"
	elif [ "$fails" = 0 ] && [ "$passes" -gt 0 ]; then
		say guest "$GUEST_POINTS" FAIL "the guest did not finish: stopped after $passes passed checks"
	elif [ "$fails" != 0 ]; then
		say guest "$GUEST_POINTS" FAIL "$fails guest check(s) failed, first: $(grep -m1 -E '^TEST [^ ]+ FAIL' "$log" | cut -c1-120)"
	else
		say guest "$GUEST_POINTS" FAIL "the guest printed no TEST line (it did not get far)"
	fi
	if [ ! -s "$hvt" ] || ! build/hvtrace import "$hvt" "$db" >"$out/import.log" 2>&1; then
		say trace 1 FAIL "no trace to grade ($hvt; see $out/import.log)"
	else
		export DB=$db LOG=$log SRC=$src LAB_DIR=$dir
		for c in "$dir"/checks/*; do
			check_applies "$c" "$name" || continue
			case $c in
			*.sql) run_sql_check "$c" "$db" ;;
			*.sh)  run_sh_check "$c" ;;
			esac
		done
	fi
	if [ "$failed" = 1 ]; then
		echo "  kept for you: log $log, trace $hvt, database $db"
	fi
	[ "$failed_before" = 1 ] && failed=1
	return 0
}

for arg in "$@"; do
	case $arg in
	labs/*) dir=${arg%/} ;;
	*) dir=$(ls -d labs/"$arg"-* labs/"$arg" 2>/dev/null | head -1) ;;
	esac
	if [ -z "$dir" ] || [ ! -f "$dir/scenario" ]; then
		echo "grade: no lab '$arg' (labs/NN-name/scenario)" >&2
		exit 2
	fi
	grade_lab "$dir"
done
exit 0
