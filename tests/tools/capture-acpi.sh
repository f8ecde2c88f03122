#!/bin/sh
# Re-capture the ACPI fixtures in tests/fixtures/acpi/ from QEMU and Bochs.
# Run by hand from anywhere: tests/tools/capture-acpi.sh [OUTDIR]
# Needs qemu-system-x86, bochs, grub-pc-bin, xorriso, mtools, nasm, gcc.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/tests/fixtures/acpi}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make -s -C "$here/acpidump" OUT="$work/build"
elf=$work/build/dumper.elf

# extract SERIAL FIXTURE DESCRIPTION: keep the dump between "acpidump 1"
# and "done", fail if the run did not finish.
extract() {
    if ! grep -q '^done' "$1"; then
        echo "capture-acpi: $1: no complete dump" >&2
        exit 1
    fi
    {
        echo "# ACPI tables captured by tests/tools/capture-acpi.sh: $3"
        echo "# Format: 'blob NAME PHYS LEN' (hex), hex data 32 bytes/line, 'end'."
        tr -d '\r' < "$1" | sed -n '/^acpidump 1$/,/^done$/p'
    } > "$2"
    echo "capture-acpi: wrote $2 ($(grep -c '^blob' "$2") blobs)"
}

qemu() {
    name=$1; shift
    timeout 60 qemu-system-x86_64 "$@" -kernel "$elf" -display none \
        -monitor none -serial "file:$work/$name.serial" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 || true
    extract "$work/$name.serial" "$out/$name.txt" "qemu-system-x86_64 $*"
}

bochs() {
    name=$1
    mkdir -p "$work/iso/boot/grub"
    cp "$elf" "$work/iso/boot/dumper.elf"
    printf 'set timeout=0\nset default=0\nmenuentry "acpidump" {\n  multiboot /boot/dumper.elf\n  boot\n}\n' \
        > "$work/iso/boot/grub/grub.cfg"
    grub-mkrescue -o "$work/dumper.iso" "$work/iso" >/dev/null 2>&1
    cat > "$work/bochsrc" <<RC
megs: 256
cpu: model=corei7_skylake_x, count=2, ips=50000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$work/dumper.iso, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=$work/$name.serial
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
clock: sync=none, time0=local
panic: action=fatal
log: $work/bochs.log
RC
    printf 'continue\nquit\n' > "$work/cmds"
    # Bochs always exits 1; judge by the serial output.
    (cd "$work" && timeout 120 unshare -n bochs-bin -q -f bochsrc -rc cmds \
        </dev/null >/dev/null 2>&1) || true
    extract "$work/$name.serial" "$out/$name.txt" \
        "Bochs 2.7, BIOS-bochs-latest, corei7_skylake_x, count=2, megs=256"
}

mkdir -p "$out"
qemu qemu-q35-iommu -M q35 -device intel-iommu,intremap=on -smp 2
qemu qemu-pc-smp4 -M pc -smp 4
bochs bochs-2cpu
