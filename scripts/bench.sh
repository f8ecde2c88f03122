#!/bin/bash
# make bench: boots the root task in benchmark mode under Bochs and prints
# the IPC table. Bochs's TSC counts executed instructions exactly, so the
# figures are instruction counts (deterministic), not real-hardware cycles.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/bench
mkdir -p "$out"
model=${BENCH_MODEL:-corei7_skylake_x}
bash scripts/mkiso.sh -o "$out/bench.iso" -c "serial=0x3f8,115200 exit=poweroff" \
    -m "build/root/root.elf bench" >/dev/null
rm -f "$out/serial.log"
timeout --kill-after=5 300 bash scripts/bochs.sh -i "$out/bench.iso" -s "$(realpath "$out")/serial.log" \
    -m "$model" -n 2 -d "$out/bochs" >/dev/null 2>&1 || true
if ! grep -q '^# bulkhead: end' "$out/serial.log" 2>/dev/null; then
    echo "bench: the benchmark run did not finish; serial log: $out/serial.log" >&2
    exit 1
fi
echo "IPC round trips on one CPU, root task to a local EC in the same PD"
echo "platform: Bochs 2.7, cpu model $model (TSC = executed instructions)"
printf '%-26s %10s %10s %10s\n' path min median p99
sed -n 's/.*# bench: ipc \([^ ]*\) min=\([0-9]*\) median=\([0-9]*\) p99=\([0-9]*\) ticks/\1 \2 \3 \4/p' \
    "$out/serial.log" | while read -r p a b c; do printf '%-26s %10s %10s %10s\n' "$p" "$a" "$b" "$c"; done
echo "(instructions for a whole call+reply round trip, user stubs included;"
echo " cross-PD and cross-CPU rows come with child PDs and cross-CPU portals)"
