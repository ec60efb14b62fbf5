#!/usr/bin/env bash
# qemu-gdb.sh: run-qemu.sh with QEMU's gdb stub on a per-user TCP port and
# every CPU stopped before the first instruction. Takes run-qemu.sh's
# options. In another terminal:
#     gdb build/hv64.elf -ex 'target remote localhost:PORT'
# (build/hv64.elf is hv with its symbols; build/hv.sym lists them, build/hv.asm
# is the disassembly.) hv starts in 32-bit code at _start and switches to long
# mode in boot/entry.S: set breakpoints on kmain or later (hbreak kmain).
set -u
PORT=$(( $(id -u) % 5000 + 25000 ))
cat <<HINT
*** QEMU is waiting for gdb on port $PORT. In another terminal run:
***   gdb build/hv64.elf -ex 'target remote localhost:$PORT' -ex 'hbreak kmain' -ex c
*** (no time limit while debugging; end QEMU with Ctrl-C here)
HINT
exec bash "$(dirname "$0")/run-qemu.sh" -G "$PORT" -T "$@"
