#!/bin/bash
# Install (or check) the Debian 12 packages Bulkhead needs.
# Usage: scripts/deps.sh [PROFILE...]   PROFILE: build | test | run | bench | all
#   build  compile the kernel, root task and host unit tests
#   test   build + everything the unit and system tests run
#   run    build + the emulators and ISO tools `make run` uses
#   bench  run + gnuplot for make bench's plot
# As root, missing packages are installed with apt-get; otherwise the exact
# command to run is printed and the script exits 1.
set -euo pipefail

# Package -> what we need from it:
#   build-essential  gcc, make, libc headers      nasm       boot/entry stubs
#   binutils         ld, objcopy                  libcmocka-dev  unit tests
#   qemu-system-x86  qemu-system-x86_64           ipxe-qemu  NIC option ROMs (PXE)
#   bochs            bochs-bin + rfb display plugin (libbx_rfb_gui.so)
#   bochs-term       satisfies bochs's bochs-gui dependency without pulling wx/GTK
#   bochsbios        /usr/share/bochs/BIOS-bochs-latest
#   vgabios          /usr/share/vgabios/vgabios.bin
#   grub-common      grub-mkrescue    grub-pc-bin  /usr/lib/grub/i386-pc (BIOS)
#   xorriso, mtools  used by grub-mkrescue
#   perl             prove, Test::More (perl-modules, a dependency of perl)
#   coreutils        timeout, sha256sum, stat   util-linux  unshare
#   device-tree-compiler, libfdt-dev   device-tree support
#   gnuplot-nox      the VM-exit plot of make bench
pkgs_build=(build-essential binutils nasm perl coreutils device-tree-compiler libfdt-dev)
pkgs_test=(libcmocka-dev qemu-system-x86 ipxe-qemu bochs bochs-term bochsbios
           vgabios grub-common grub-pc-bin xorriso mtools util-linux
           device-tree-compiler libfdt-dev)
pkgs_run=(qemu-system-x86 bochs bochs-term bochsbios vgabios grub-common
          grub-pc-bin xorriso mtools util-linux)
pkgs_bench=("${pkgs_run[@]}" gnuplot-nox)

[ $# -gt 0 ] || set -- all
want=()
for profile in "$@"; do
    case "$profile" in
        build) want+=("${pkgs_build[@]}") ;;
        test)  want+=("${pkgs_build[@]}" "${pkgs_test[@]}") ;;
        run)   want+=("${pkgs_build[@]}" "${pkgs_run[@]}") ;;
        bench) want+=("${pkgs_build[@]}" "${pkgs_bench[@]}") ;;
        all)   want+=("${pkgs_build[@]}" "${pkgs_test[@]}" "${pkgs_bench[@]}") ;;
        *) echo "deps.sh: unknown profile '$profile' (build|test|run|bench|all)" >&2; exit 2 ;;
    esac
done
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)

missing=()
for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ "$status" == ii* ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "Run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
