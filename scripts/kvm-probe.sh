#!/bin/bash
# Can this machine run Bulkhead under QEMU+KVM with nested VT-x?
# Exit 0 if yes; otherwise exit 1 and print the reason on stdout (one line).
# /dev/kvm existing is not enough (some hosts have a paravirtual KVM that
# cannot run ordinary guests), so a trial boot of SeaBIOS under KVM must get
# as far as "No bootable device" on its debug console, quickly (TCG needs
# about 2 s; a working KVM well under 1 s; a paravirtual one about 11 s).
set -uo pipefail
if ! grep -qw vmx /proc/cpuinfo; then
    echo "no VMX in /proc/cpuinfo: this CPU cannot run nested VT-x guests"; exit 1
fi
if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    echo "/dev/kvm is missing or not read/writable by $(id -un)"; exit 1
fi
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-kvm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
qemu-system-x86_64 -enable-kvm -cpu host -M q35 -m 64M -display none \
    -no-reboot -monitor none -serial none -nic none \
    -chardev "file,id=dbg,path=$tmp/bios.txt" \
    -device isa-debugcon,iobase=0x402,chardev=dbg </dev/null >"$tmp/qemu.txt" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 30); do              # up to 6 s (real KVM: well under 1 s)
    if grep -q "No bootable device" "$tmp/bios.txt" 2>/dev/null; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
if [ $ok -ne 1 ]; then
    why=$(grep -m1 -i error "$tmp/qemu.txt")
    echo "a trial KVM boot did not get through the BIOS within 6 s${why:+ ($why)}: /dev/kvm cannot run ordinary guests here"
    exit 1
fi
exit 0
