#!/usr/bin/env bash
# run.sh: what "make run" does, from a fresh Debian/Ubuntu machine:
#   1. install the packages that are missing (scripts/deps.sh),
#   2. build everything,
#   3. boot the default scenario under QEMU (hv + the "touch" guest, TDP MMU),
#   4. load its trace into SQLite and open it in hvtui when run from a
#      terminal, or print a summary of it otherwise.
# Override the scenario with GUEST=, MMU=, SMP=, CPU= as for "make qemu".
set -euo pipefail
cd "$(dirname "$0")/.."

GUEST=${GUEST:-touch}
MMU=${MMU:-tdp}
SMP=${SMP:-1}
CPU=${CPU:-max}

bash scripts/deps.sh
make -s -j2 all

echo "run: booting hv with the '$GUEST' guest (mmu=$MMU, vCPUs=$SMP, -cpu $CPU) under QEMU"
status=0
make -s --no-print-directory qemu GUEST="$GUEST" MMU="$MMU" SMP="$SMP" CPU="$CPU" || status=$?

trace=build/qemu/$GUEST.hvt
db=build/qemu/$GUEST.db
if [ ! -s "$trace" ]; then
	echo "run: no trace was recorded at $trace (QEMU status $status); see build/qemu/$GUEST.serial.log" >&2
	exit 1
fi
build/hvtrace check "$trace"
build/hvtrace import "$trace" "$db"
echo "run: trace $trace, database $db (try: sqlite3 -readonly $db 'select * from faults limit 10')"
if [ -t 0 ] && [ -t 1 ]; then
	build/hvtui "$db"
else
	build/hvtui --summary "$db"
fi
exit "$status"
