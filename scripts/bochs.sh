#!/bin/bash
# Run Bochs headless on a GRUB ISO, serial (COM1) to a file.
# Usage: scripts/bochs.sh -i ISO -s SERIAL [-m MODEL] [-n CPUS] [-M MEGS] [-l LOG] [-d DIR] [-c CMDS] [-x LINE]
#   MODEL  Bochs cpu model (default corei7_skylake_x)   CPUS default 2
#   SERIAL file for COM1 output (/dev/stdout shows it on the terminal)
#   LOG    Bochs log file (default DIR/bochs.log); DIR holds the generated
#          bochsrc and debugger commands (default: a fresh temporary dir)
#   CMDS   debugger commands to run instead of "continue, quit" (make bench
#          traces instructions with them; the trace goes to stdout)
#   LINE   one more bochsrc line (make bench: magic_break: enabled=1)
# Bochs always exits with status 1: judge the run by its serial output.
# Runs in a private network namespace so the rfb display port is unreachable.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
iso= serial= model=corei7_skylake_x cpus=2 megs=256 log= dir= cmds= extra=
while getopts "i:s:m:n:M:l:d:c:x:" opt; do
    case $opt in
        i) iso=$OPTARG ;; s) serial=$OPTARG ;; m) model=$OPTARG ;;
        n) cpus=$OPTARG ;; M) megs=$OPTARG ;; l) log=$OPTARG ;; d) dir=$OPTARG ;;
        c) cmds=$(realpath "$OPTARG") ;; x) extra=$OPTARG ;;
        *) echo "usage: $0 -i ISO -s SERIAL [-m MODEL] [-n CPUS] [-M MEGS] [-l LOG] [-d DIR] [-c CMDS] [-x LINE]" >&2; exit 2 ;;
    esac
done
[ -n "$iso" ] && [ -n "$serial" ] || { echo "bochs.sh: -i ISO and -s SERIAL are required" >&2; exit 2; }
[ -f "$iso" ] || { echo "bochs.sh: no ISO at $iso" >&2; exit 1; }
if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-bochs.XXXXXX")
    trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
[ -n "$log" ] || log=$dir/bochs.log
iso=$(realpath "$iso")
# Bochs 2.7 allocates at most 2048 MiB of host memory; more guest RAM is
# backed by swapping blocks of that.
host=$(( megs < 2048 ? megs : 2048 ))
ISO=$iso SERIAL=$serial MODEL=$model CPUS=$cpus MEGS=$megs HOST=$host LOG=$log perl -pe \
    's/\@(ISO|SERIAL|MODEL|CPUS|MEGS|HOST|LOG)\@/$ENV{$1}/g' \
    "$here/boot/bochsrc.in" > "$dir/bochsrc"
[ -z "$extra" ] || echo "$extra" >> "$dir/bochsrc"
# The built-in debugger stops at t=0: tell it to run, and to quit if it stops.
if [ -n "$cmds" ]; then cp "$cmds" "$dir/cmds"; else printf 'continue\nquit\n' > "$dir/cmds"; fi
if [ "$(id -u)" -eq 0 ]; then ns=(unshare -n); else ns=(unshare -rn); fi
status=0
"${ns[@]}" bochs-bin -q -f "$dir/bochsrc" -rc "$dir/cmds" </dev/null || status=$?
exit $status
