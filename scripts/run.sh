#!/bin/bash
# `make run`: boot Bulkhead with its serial console on this terminal.
# Usage: scripts/run.sh [auto|kvm|qemu|bochs] [EXTRA KERNEL ARGS...]
#   auto   QEMU+KVM if scripts/kvm-probe.sh says nested VT-x works, else Bochs
#   kvm    QEMU+KVM (-cpu host, split irqchip, IOMMU with interrupt remapping)
#   qemu   QEMU TCG (no VMX: boot paths, VT-d and drivers only)
#   bochs  Bochs corei7_skylake_x, 2 CPUs, from a GRUB ISO (software VT-x)
# The kernel runs with exit=poweroff, so the emulator ends by itself when the
# system has nothing more to show. Ctrl-A X quits QEMU early; Ctrl-C Bochs.
set -euo pipefail
cd "$(dirname "$0")/.."
platform=${1:-auto}; shift || true
hv=build/hv/hv.bin root=build/root/root.elf dtb=build/boot/bulkhead.dtb
cmdline="serial=0x3f8,115200 exit=poweroff${*:+ $*}"
# The whole system: the root task (running its tests and then the servers
# of the measured boot configuration), the configuration, the servers.
servers="echo crasher mem quota fuzz io"
for f in "$hv" "$root" "$dtb" $(for s in $servers; do echo build/servers/$s.elf; done); do
    [ -f "$f" ] || { echo "run.sh: $f is missing; run make all" >&2; exit 1; }
done
initrd="$root servers,$dtb$(for s in $servers; do printf ',build/servers/%s.elf' "$s"; done)"
isomods=(-m "$root servers" -m "$dtb")
for s in $servers; do isomods+=(-m "build/servers/$s.elf"); done

if [ "$platform" = auto ]; then
    if why=$(scripts/kvm-probe.sh); then
        platform=kvm why="KVM works and the CPU has VMX"
    else
        platform=bochs why="$why; Bochs emulates VT-x in software"
    fi
else
    why="asked for with PLATFORM=$platform"
fi

case $platform in
kvm)
    echo "make run: QEMU + KVM, nested VT-x ($why)"
    exec qemu-system-x86_64 -enable-kvm -cpu host -M q35,kernel-irqchip=split \
        -device intel-iommu,intremap=on -smp 2 -m 512M -nic none \
        -serial mon:stdio -display none -no-reboot \
        -kernel "$hv" -append "$cmdline" -initrd "$initrd" ;;
qemu)
    echo "make run: QEMU TCG, no VT-x ($why)"
    exec qemu-system-x86_64 -cpu max -M q35 -device intel-iommu,intremap=on \
        -smp 2 -m 512M -nic none -serial mon:stdio -display none -no-reboot \
        -kernel "$hv" -append "$cmdline" -initrd "$initrd" ;;
bochs)
    echo "make run: Bochs corei7_skylake_x, 2 CPUs ($why)"
    mkdir -p build/run
    scripts/mkiso.sh -o build/run/run.iso -k "$hv" -c "$cmdline" "${isomods[@]}"
    # COM1 goes to our stdout (as fd 3); Bochs's own chatter (banner,
    # debugger prompt) and log go to files. Bochs always exits 1, even after
    # a clean ACPI power-off.
    scripts/bochs.sh -i build/run/run.iso -s /dev/fd/3 -m corei7_skylake_x \
        -n 2 -l build/run/bochs.log -d build/run/bochs 3>&1 >build/run/bochs.out 2>&1 || true
    echo "make run: Bochs ended (its output: build/run/bochs.out, log: build/run/bochs.log)" ;;
*)
    echo "run.sh: unknown platform '$platform' (auto|kvm|qemu|bochs)" >&2; exit 2 ;;
esac
