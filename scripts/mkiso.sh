#!/usr/bin/env bash
# mkiso.sh: build a GRUB rescue ISO that boots a Multiboot kernel with its
# modules, the way Bochs (which boots disks and CDs, not kernel files) runs hv.
#
#   scripts/mkiso.sh OUT.iso KERNEL "KERNEL ARGS" [MODULE "MODULE ARGS"]...
#
# Example: scripts/mkiso.sh build/hvlab.iso build/hv.elf "mmu=tdp smp=1" \
#              build/guests/hello.elf ""
#
# Command lines follow QEMU's -kernel/-initrd convention, so hv parses the
# same strings on both platforms: the kernel's Multiboot command line is
# "<path> <args>" and each module's is "<name> <args>". GRUB 2 passes only
# what follows the file name, so the path or name is added here.
# Needs grub-mkrescue (grub-pc-bin, grub-common, xorriso, mtools).
set -euo pipefail

die() { echo "mkiso: $*" >&2; exit 2; }
[ $# -ge 3 ] && [ $(( ($# - 3) % 2 )) -eq 0 ] ||
	die "usage: $0 OUT.iso KERNEL \"KERNEL ARGS\" [MODULE \"MODULE ARGS\"]..."
command -v grub-mkrescue >/dev/null ||
	die "grub-mkrescue not found (apt-get install grub-pc-bin grub-common xorriso mtools)"

out=$1 kernel=$2 kargs=$3
shift 3
[ -f "$kernel" ] || die "no kernel file $kernel"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
cp "$kernel" "$root/boot/$(basename "$kernel")"

cfg=$root/boot/grub/grub.cfg
{
	echo "set timeout=0"
	echo "set default=0"
	echo "menuentry \"hvlab\" {"
	echo "	multiboot /boot/$(basename "$kernel") /boot/$(basename "$kernel") $kargs"
	while [ $# -gt 0 ]; do
		[ -f "$1" ] || die "no module file $1"
		name=$(basename "$1")
		cp "$1" "$root/boot/$name"
		echo "	module /boot/$name $name $2"
		shift 2
	done
	echo "	boot"
	echo "}"
} >"$cfg"

mkdir -p "$(dirname "$out")"
# Only the BIOS (i386-pc) platform: Bochs boots the CD through its BIOS.
log=$(mktemp)
if ! grub-mkrescue -o "$out" "$root" >"$log" 2>&1; then
	cat "$log" >&2; rm -f "$log"
	die "grub-mkrescue failed"
fi
rm -f "$log"
