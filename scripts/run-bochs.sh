#!/usr/bin/env bash
# run-bochs.sh: boot a GRUB ISO (scripts/mkiso.sh) in Bochs with VMX + EPT
# and end with the guest's exit code.
#
#   scripts/run-bochs.sh [-t SECONDS] [-c CPU_MODEL] [-m MB] [-s NCPUS]
#                        [-d WORKDIR] [-T TRACE.hvt] [-F REGEX] [-q] ISO
#
#   -t  wall-clock limit (default 60); the run is killed after it
#   -c  Bochs CPU model (default corei7_skylake_x: VMX, EPT, VPID,
#       unrestricted guest; `bochs --help cpu` lists the others)
#   -m  machine memory in MiB (default 256)
#   -s  number of CPUs (default 1)
#   -d  where bochsrc, com1.txt, trace.bin and bochs.log go (default build/bochs)
#   -T  hv was started with trace=port: turn the record stream it sent
#       through the parallel port into TRACE.hvt with build/hvtrace collect
#   -F  print "# first-line SECONDS" when the first console line matching
#       REGEX appears (wall seconds since Bochs started; for the bench)
#   -q  do not echo the console while it runs
#
# How the run works (docs: /work/shared/PLATFORMS.md):
#   - Bochs has no headless display here: display_library term under a
#     pseudo-terminal made by `script`; its screen goes to WORKDIR/bochs.out.
#   - The Bochs debugger stops before the first instruction: `-rc` feeds `c`.
#   - COM1 is the console (a file); the parallel port LPT1 carries the
#     binary trace stream (hv/core/trace_port.c: it is not paced like a
#     UART); port 0xe9 is the unbuffered debug port (bytes in bochs.out).
#   - hv ends the run itself: it prints "hv: exit status N" on COM1 and
#     writes "Shutdown" to port 0x8900, which stops Bochs.
#
# Exit status: N from that line; 124 if the time limit hit first; 125 if
# Bochs stopped without the line (hv panicked or Bochs failed: see the log).
set -uo pipefail

timeout_s=60 cpu=corei7_skylake_x mem=256 ncpus=1 work=build/bochs
trace= first_re= quiet=0
while getopts "t:c:m:s:d:T:F:q" opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	c) cpu=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) ncpus=$OPTARG ;;
	d) work=$OPTARG ;;
	T) trace=$OPTARG ;;
	F) first_re=$OPTARG ;;
	q) quiet=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [options] ISO" >&2; exit 2; }
iso=$(readlink -f "$1")
[ -f "$iso" ] || { echo "run-bochs: no ISO $1" >&2; exit 2; }
command -v bochs >/dev/null || { echo "run-bochs: bochs not installed (apt-get install bochs bochs-term bochsbios vgabios)" >&2; exit 2; }

mkdir -p "$work"
work=$(readlink -f "$work")
rc_file=$work/bochsrc com1=$work/com1.txt stream=$work/trace.bin
log=$work/bochs.log out=$work/bochs.out cmds=$work/debugger.rc
rm -f "$com1" "$stream" "$log" "$out"
: >"$com1"

cat >"$rc_file" <<EOF
# Written by scripts/run-bochs.sh; see the comments there.
megs: $mem
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$cpu, count=$ncpus, ips=200000000, reset_on_triple_fault=0
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
clock: sync=none, time0=local
com1: enabled=1, mode=file, dev=$com1
parport1: enabled=1, file="$stream"
port_e9_hack: enabled=1
display_library: term
log: $log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
EOF
echo c >"$cmds"

start=$(date +%s.%N)
timeout -s INT -k 5 "$timeout_s" script -qfc "bochs -q -f '$rc_file' -rc '$cmds'" /dev/null \
	</dev/null >"$out" 2>&1 &
bpid=$!

# Echo the console as it grows, and time the first matching line.
shown=0 first_done=0
[ -z "$first_re" ] && first_done=1
pump() {
	local size
	size=$(stat -c %s "$com1" 2>/dev/null || echo 0)
	if [ "$size" -gt "$shown" ]; then
		[ "$quiet" -eq 1 ] || tail -c +$((shown + 1)) "$com1" | head -c $((size - shown))
		shown=$size
	fi
	if [ "$first_done" -eq 0 ] && grep -qE "$first_re" "$com1" 2>/dev/null; then
		echo "# first-line $(echo "$(date +%s.%N) - $start" | bc -l | xargs printf '%.2f')"
		first_done=1
	fi
}
while kill -0 "$bpid" 2>/dev/null; do
	pump
	sleep 0.05
done
wait "$bpid"
brc=$?
pump

# The line is read from COM1, or from the port 0xe9 copy in the screen log
# (unbuffered) if COM1 lost its tail.
exit_re='(hv: exit status|HV: guest exited with code) -?[0-9]+'
code=$(grep -aoE "$exit_re" "$com1" | tail -1 | awk '{print $NF}')
[ -n "$code" ] || code=$(grep -aoE "$exit_re" "$out" 2>/dev/null | tail -1 | awk '{print $NF}')
if [ -n "$trace" ]; then
	if [ -s "$stream" ] && [ -x build/hvtrace ]; then
		if build/hvtrace collect --stream "$stream" --out "$trace" >"$work/collect.log" 2>&1; then
			echo "# trace: $trace"
		else
			echo "# trace: hvtrace collect failed on $stream (see $work/collect.log)" >&2
		fi
	else
		echo "# trace: no stream in $stream (or no build/hvtrace)" >&2
	fi
fi
if [ -n "$code" ]; then
	exit "$((code & 255))"
fi
if [ "$brc" -eq 124 ] || [ "$brc" -eq 137 ]; then
	echo "run-bochs: no exit line within ${timeout_s} s (Bochs killed); log: $log" >&2
	exit 124
fi
echo "run-bochs: Bochs stopped (status $brc) without an exit line; log: $log, screen: $out" >&2
exit 125
