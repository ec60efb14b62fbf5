#!/usr/bin/env bash
# run-qemu.sh: boot build/hv.elf with one guest under QEMU and end with the
# guest's exit code.
#
#   run-qemu.sh [-g GUEST] [-m tdp|shadow] [-s SMP] [-c CPU] [-M MiB] [-t SECONDS]
#               [-a "guest args"] [-o OUTDIR] [-G GDBPORT] [-T]
#
#   -g  guest name (build/guests/NAME.elf) or a path to a Multiboot ELF32
#   -m  mmu= for hv (default tdp)       -s  vCPUs = QEMU CPUs (default 1)
#   -c  QEMU -cpu model (default max)   -M  guest RAM in MiB (default 32)
#   -t  time limit (default 30 s)       -a  more words for the guest's line
#   -o  where the serial log, RAM file and trace go (default build/qemu)
#   -G  gdb stub on this port, CPUs stopped at the start (qemu-gdb.sh)
#   -T  no trace (no shared RAM file, no collector)
#
# Accelerator: KVM when /dev/kvm can run a nested hypervisor (checked via
# /sys/module/kvm_{intel,amd}/parameters/nested), else TCG. hv reports its
# status through isa-debug-exit (QEMU exits with (status << 1) | 1); this
# script turns it back into the status. 124 = time limit hit.
set -u
GUEST=hello MMU=tdp SMP=1 CPU=max MEM=32 TIMEOUT=30 ARGS="" OUT=build/qemu GDB="" TRACE=1
while getopts "g:m:s:c:M:t:a:o:G:T" opt; do
	case $opt in
	g) GUEST=$OPTARG ;; m) MMU=$OPTARG ;; s) SMP=$OPTARG ;; c) CPU=$OPTARG ;;
	M) MEM=$OPTARG ;; t) TIMEOUT=$OPTARG ;; a) ARGS=$OPTARG ;; o) OUT=$OPTARG ;;
	G) GDB=$OPTARG ;; T) TRACE=0 ;;
	*) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done

HV=${HVLAB_HV:-build/hv.elf}   # labs/grade.sh boots a lab build of hv
case $GUEST in */*) ELF=$GUEST ;; *) ELF=build/guests/$GUEST.elf ;; esac
for f in "$HV" "$ELF"; do
	[ -f "$f" ] || { echo "run-qemu: $f not found (make first)" >&2; exit 2; }
done
mkdir -p "$OUT"
name=$(basename "$ELF" .elf)
SERIAL=$OUT/$name.serial.log
TRACE_OUT=$OUT/$name.hvt
# Machine RAM: 256 MiB, or the guest's RAM plus 64 MiB for hv if that is more.
# Guest RAM of 1 GiB or more gets 1 GiB more, so hv can place it 1 GiB
# aligned (1 GiB SPTEs), as long as all RAM stays below QEMU's 3.5 GiB hole.
RAM=$(( MEM + 64 > 256 ? MEM + 64 : 256 ))
[ "$MEM" -ge 1024 ] && [ $(( MEM + 1088 )) -le 3584 ] && RAM=$(( MEM + 1088 ))
RAM=${RAM}M

accel="-accel tcg,thread=multi"
# HVLAB_ICOUNT=SHIFT: one TCG thread with -icount shift=SHIFT, so time (and
# the TSC) counts guest instructions, not host time (bench-trace-overhead).
[ -n "${HVLAB_ICOUNT:-}" ] && accel="-accel tcg,thread=single -icount shift=$HVLAB_ICOUNT"
nested=$(cat /sys/module/kvm_intel/parameters/nested /sys/module/kvm_amd/parameters/nested 2>/dev/null | head -1)
if [ -w /dev/kvm ] && [[ "$nested" == Y || "$nested" == 1 ]] && [ "${HVLAB_NO_KVM:-}" = "" ]; then
	accel="-accel kvm"; [ "$CPU" = max ] && CPU=host
fi

line="$ELF mmu=$MMU vcpus=$SMP mem=$MEM"
mem_args=(-m "$RAM")
collector_pid=""
RAMFILE=""
if [ "$TRACE" = 1 ]; then
	KEY=$(printf '0x%04x%04x%04x%04x' $RANDOM $RANDOM $RANDOM $RANDOM)
	RAMFILE=$(mktemp -p /dev/shm "hvlab-ram.XXXXXX" 2>/dev/null || mktemp -p "$OUT" "ram.XXXXXX")
	line="$line trace_key=$KEY"
	mem_args=(-object "memory-backend-file,id=m,size=$RAM,mem-path=$RAMFILE,share=on"
		  -machine memory-backend=m -m "$RAM")
fi
[ -n "$ARGS" ] && line="$line $ARGS"

gdb_args=()
[ -n "$GDB" ] && gdb_args=(-gdb "tcp::$GDB" -S)

rm -f "$SERIAL"
echo "run-qemu: hv + $line (-cpu $CPU -smp $SMP, ${accel#-accel })"
echo "run-qemu: serial log: $SERIAL"

# Guest RAM is a file the trace collector reads while QEMU runs.
if [ "$TRACE" = 1 ] && [ -x build/hvtrace ]; then
	rm -f "$TRACE_OUT"
	# A scan of a GiB-sized RAM file for the descriptor takes seconds: wait longer.
	ctimeout=$(( MEM >= 1024 ? 40 : 10 ))
	build/hvtrace collect --mem "$RAMFILE" --key "$KEY" --out "$TRACE_OUT" --timeout $ctimeout \
		>"$OUT/$name.collect.log" 2>&1 &
	collector_pid=$!
fi

run_timeout=$TIMEOUT
[ -n "$GDB" ] && run_timeout=0
timeout --foreground -k 2 "$run_timeout" qemu-system-x86_64 $accel -cpu "$CPU" -smp "$SMP" \
	"${mem_args[@]}" -machine pc -display none -monitor none -no-reboot \
	-serial "file:$SERIAL" -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$HV" -initrd "$line" "${gdb_args[@]}"
rc=$?

if [ -n "$collector_pid" ]; then
	# hv marked the trace done before exiting; give the collector a moment.
	for _ in $(seq 200); do kill -0 "$collector_pid" 2>/dev/null || break; sleep 0.1; done
	kill "$collector_pid" 2>/dev/null
	wait "$collector_pid" 2>/dev/null
fi
[ -n "$RAMFILE" ] && rm -f "$RAMFILE"

cat "$SERIAL" 2>/dev/null | tr -d '\r'
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "run-qemu: time limit of ${TIMEOUT}s reached: the run did not end by itself"
	status=124
elif [ $((rc & 1)) -eq 1 ]; then
	status=$((rc >> 1))
else
	echo "run-qemu: QEMU exited with $rc without hv's status (hv reset or crashed?)"
	status=$((rc == 0 ? 125 : rc))
fi
[ -n "$collector_pid" ] && echo "run-qemu: trace: $TRACE_OUT (log $OUT/$name.collect.log)"
case $status in
112) meaning=" (hv stopped the VM: the guest did something fatal, see the hv: lines)" ;;
113) meaning=" (missing CPU capability)" ;;
114) meaning=" (hv panic: a bug in hv)" ;;
115) meaning=" (bad boot: no guest, bad option or not enough memory)" ;;
124) meaning=" (time limit)" ;;
*) meaning="" ;;
esac
echo "run-qemu: status $status$meaning"
exit $status
