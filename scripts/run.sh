#!/bin/bash
# `make run`: boot Bulkhead with its serial console on this terminal.
# Usage: scripts/run.sh [auto|kvm|qemu|bochs] [EXTRA KERNEL ARGS...]
#   auto   QEMU+KVM if scripts/kvm-probe.sh says nested VT-x works, else Bochs
#   kvm    QEMU+KVM (-cpu host, split irqchip, IOMMU with interrupt remapping)
#   qemu   QEMU TCG (no VMX: boot paths, VT-d and drivers only)
#   bochs  Bochs corei7_skylake_x, 2 CPUs, from a GRUB ISO (software VT-x)
# The kernel runs with exit=poweroff, so the emulator ends by itself when the
# system has nothing more to show. Ctrl-A X quits QEMU early; Ctrl-C Bochs.
#
# What the root task runs after its own tests (RUN_CONFIG=servers|vms):
#   vms      the VM configuration boot/vms.dts: two test guests, each
#            under its own VMM with its own UART server, one per CPU, until
#            both end; the default where there is VMX (kvm, bochs)
#   servers  the test servers of boot/bulkhead.dts and their tests; the
#            default without VMX (qemu), where a VMM could only say that it
#            cannot run guests
set -euo pipefail
cd "$(dirname "$0")/.."
platform=${1:-auto}; shift || true
hv=build/hv/hv.bin root=build/root/root.elf
cmdline="serial=0x3f8,115200 exit=poweroff${*:+ $*}"

if [ "$platform" = auto ]; then
    if why=$(scripts/kvm-probe.sh); then
        platform=kvm why="KVM works and the CPU has VMX"
    else
        platform=bochs why="$why; Bochs emulates VT-x in software"
    fi
else
    why="asked for with PLATFORM=$platform"
fi

config=${RUN_CONFIG:-$([ "$platform" = qemu ] && echo servers || echo vms)}
case $config in
servers)
    # The root task runs its tests, then starts the servers of the measured
    # boot configuration and tests them.
    dtb=build/boot/bulkhead.dtb rootargs=servers
    mods="$(for s in echo crasher mem quota fuzz io; do echo build/servers/$s.elf; done)" ;;
vms)
    # The root task runs its tests, then starts the VMMs and UART servers of
    # the VM configuration and supervises them until the guests end.
    dtb=build/boot/vms.dtb rootargs="servers config=vms.dtb"
    mods="build/vmm/uart.elf build/vmm/vmm.elf build/guests/testguest.img" ;;
*)
    echo "run.sh: unknown RUN_CONFIG '$config' (servers|vms)" >&2; exit 2 ;;
esac
for f in "$hv" "$root" "$dtb" $mods; do
    [ -f "$f" ] || { echo "run.sh: $f is missing; run make all" >&2; exit 1; }
done
initrd="$root $rootargs,$dtb$(for m in $mods; do printf ',%s' "$m"; done)"
isomods=(-m "$root $rootargs" -m "$dtb")
for m in $mods; do isomods+=(-m "$m"); done
echo "make run: the root task's tests, then $([ "$config" = vms ] && echo "two guests under their VMMs ($dtb)" || echo "the test servers ($dtb)")"

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
