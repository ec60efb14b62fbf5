#!/usr/bin/env bash
# Check sdm_model (3 points): the guest walker with YOUR two functions
# against the reference model of SDM 4.6-4.8 (mmu/test/test_gwalk_ref.c,
# written from the manual without looking at mmu/gwalk*.c), on the host:
# mmu/test/test_gwalk.c's hand-written SDM cases and its matrices, which
# vary every control the run cannot (RFLAGS.AC, implicit supervisor
# accesses) and every paging mode (32-bit, PAE, 4- and 5-level: I/D with
# and without CR4.PAE). Built from $SRC (the graded file) in place of
# mmu/gwalk_perm.c, without sanitizers; about 2 s.
# Environment (labs/grade.sh): SRC, DB (its folder holds the build).
set -u
name=sdm_model pts=3
out=$(dirname "$DB")/sdm_model
tests="gwalk_spot_rules gwalk_matrix_4level gwalk_matrix_5level gwalk_matrix_pae gwalk_matrix_32bit gwalk_matrix_4level_rights gwalk_random"
CC=${HOST_CC:-cc}
CFLAGS="-std=c11 -O2 -D_GNU_SOURCE -I."
# Everything but the graded file is compiled once into build/labs/sdm_model/
# (again when a source or a header is newer than its object).
objdir=build/labs/sdm_model
mkdir -p "$objdir"
objs=""
for src in mmu/gwalk.c mmu/gwalk_format.c mmu/gwalk_vm.c mmu/test/test_gwalk.c \
	   mmu/test/test_gwalk_ref.c mmu/test/test_gwalk_env.c; do
	obj=$objdir/$(basename "$src" .c).o
	newer=$(find "$src" mmu/*.h mmu/test/*.h include/hvlab/*.h trace/hvt_format.h -newer "$obj" 2>/dev/null | head -1)
	if [ ! -f "$obj" ] || [ -n "$newer" ]; then
		$CC $CFLAGS -c "$src" -o "$obj.tmp.$$" >"$out.build.log" 2>&1 && mv "$obj.tmp.$$" "$obj" || {
			rm -f "$obj.tmp.$$"
			printf '%s\t%s\t0\t%s\n' "$name" "$pts" "the host test does not build ($src, not your file): $out.build.log"
			exit 0
		}
	fi
	objs="$objs $obj"
done
# shellcheck disable=SC2086
if ! $CC $CFLAGS "$SRC" $objs -o "$out" -lpthread >"$out.build.log" 2>&1; then
	printf '%s\t%s\t0\t%s\n' "$name" "$pts" "the host test does not build with $SRC: $(grep -m1 -E 'error' "$out.build.log") ($out.build.log)"
	exit 0
fi
timeout 120 "$out" --quick >"$out.log" 2>&1
ran=0 failed=""
for t in $tests; do
	line=$(grep -m1 "^TEST $t " "$out.log")
	case $line in
	"TEST $t PASS"*) ran=$((ran + 1)) ;;
	*) failed=${failed:-$(echo "${line:-TEST $t did not run (crash or time limit, see $out.log)}" | cut -c1-220)} ;;
	esac
done
if [ -z "$failed" ]; then
	printf '%s\t%s\t1\t%s\n' "$name" "$pts" "the walker with your rules agrees with the SDM model in all $ran host tests (every control incl. RFLAGS.AC and implicit accesses, every paging mode)"
else
	printf '%s\t%s\t0\t%s\n' "$name" "$pts" "host test against the SDM model: $failed (all: $out.log)"
fi
