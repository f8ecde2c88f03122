#!/bin/bash
# Build a BIOS GRUB ISO that boots hv.bin with Multiboot2.
# Usage: scripts/mkiso.sh -o OUT.iso [-k KERNEL] [-c "CMDLINE"] [-m "FILE [ARGS]"]...
#   -k  kernel image (default build/hv/hv.bin)
#   -c  kernel command line (default: serial=0x3f8,115200 exit=poweroff)
#   -m  a module: its file and its arguments; may repeat. It is copied to
#       /boot/<basename> and named by its basename (first module2 argument).
# Default module: build/root/root.elf. Pass -m '' to boot without modules.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out= kernel=build/hv/hv.bin cmdline="serial=0x3f8,115200 exit=poweroff"
modules=() mods_given=0
while getopts "o:k:c:m:" opt; do
    case $opt in
        o) out=$OPTARG ;;
        k) kernel=$OPTARG ;;
        c) cmdline=$OPTARG ;;
        m) mods_given=1; [ -n "$OPTARG" ] && modules+=("$OPTARG") ;;
        *) echo "usage: $0 -o OUT.iso [-k KERNEL] [-c CMDLINE] [-m 'FILE ARGS']..." >&2; exit 2 ;;
    esac
done
[ -n "$out" ] || { echo "mkiso.sh: -o OUT.iso is required" >&2; exit 2; }
[ $mods_given -eq 1 ] || modules=("build/root/root.elf")
[ -f "$kernel" ] || { echo "mkiso.sh: no kernel at $kernel" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-iso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/iso
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/hv.bin"
modlines=""
for m in "${modules[@]}"; do
    file=${m%% *}
    args=""; [ "$file" != "$m" ] && args=${m#* }
    name=$(basename "$file")
    [ -f "$file" ] || { echo "mkiso.sh: no module file $file" >&2; exit 1; }
    cp "$file" "$stage/boot/$name"
    modlines+="    module2 /boot/$name $name${args:+ $args}"$'\n'
done
CMDLINE=$cmdline MODULES=${modlines%$'\n'} perl -pe \
    's/\@CMDLINE\@/$ENV{CMDLINE}/g; s/\@MODULES\@/$ENV{MODULES}/g' \
    "$here/boot/grub.cfg" > "$stage/boot/grub/grub.cfg"
mkdir -p "$(dirname "$out")"
# Only the BIOS platform: the ISO stays small and deterministic.
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out" "$stage" >"$tmp/mkrescue.log" 2>&1 || {
    cat "$tmp/mkrescue.log" >&2; exit 1; }
