#!/usr/bin/env bash
# deps.sh: install the Debian/Ubuntu packages hvlab needs, only those missing.
# Uses sudo when not root. Safe to run again.
set -eu
pkgs=(gcc make binutils libc6-dev libsqlite3-dev sqlite3 libncurses-dev tmux
      qemu-system-x86 bochs bochs-term bochsbios vgabios
      grub-pc-bin grub-common xorriso mtools python3 python3-matplotlib
      clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
