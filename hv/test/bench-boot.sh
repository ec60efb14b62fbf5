#!/usr/bin/env bash
# bench-boot.sh: BENCH boot.tcg_s = wall seconds from starting QEMU (TCG,
# -cpu max) to the guest's first console line in the serial log (hello,
# mmu=tdp, no trace). The median of 5 runs.
set -u
OUT=build/qemu-bench
mkdir -p "$OUT"
LOG=$OUT/hello.serial.log
times=()
for i in 1 2 3 4 5; do
	rm -f "$LOG"
	start=$(date +%s.%N)
	bash scripts/run-qemu.sh -T -o "$OUT" -g hello -t 30 >"$OUT/run.$i.log" 2>&1 &
	pid=$!
	first=""
	# The guest's lines are the ones hv did not write ("hv: ").
	while kill -0 "$pid" 2>/dev/null || [ -z "$first" ]; do
		if [ -f "$LOG" ] && tr -d '\r' <"$LOG" | grep -qvE '^(hv: .*)?$'; then
			first=$(date +%s.%N)
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	wait "$pid"
	[ -n "$first" ] || { echo "bench-boot: run $i printed no guest line (see $OUT/run.$i.log)"; exit 1; }
	times+=("$(awk -v a="$first" -v b="$start" 'BEGIN { printf "%.6f", a - b }')")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
printf 'BENCH boot.tcg_s %.3f s\n' "$median"
