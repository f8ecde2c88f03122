#!/bin/bash
# make bench: boots the root task in benchmark mode under Bochs, with
# servers/bench as a boot module for the cross-PD rows, prints the IPC
# table and writes it to build/bench/ipc.csv. Bochs's TSC counts executed
# instructions exactly, so the figures are instruction counts
# (deterministic), not real-hardware cycles.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/bench
mkdir -p "$out"
model=${BENCH_MODEL:-corei7_skylake_x}
platform="Bochs 2.7, cpu model $model, 2 CPUs"
bash scripts/mkiso.sh -o "$out/bench.iso" -c "serial=0x3f8,115200 exit=poweroff" \
    -m "build/root/root.elf bench" -m build/servers/bench.elf >/dev/null
rm -f "$out/serial.log"
timeout --kill-after=5 300 bash scripts/bochs.sh -i "$out/bench.iso" -s "$(realpath "$out")/serial.log" \
    -m "$model" -n 2 -d "$out/bochs" >/dev/null 2>&1 || true
if ! grep -q '^# bulkhead: end' "$out/serial.log" 2>/dev/null; then
    echo "bench: the benchmark run did not finish; serial log: $out/serial.log" >&2
    exit 1
fi
rows=$(sed -n 's/.*# bench: ipc \([^ ]*\) min=\([0-9]*\) median=\([0-9]*\) p99=\([0-9]*\) ticks.*/\1 \2 \3 \4/p' \
    "$out/serial.log")
{
    echo "platform,path,min,median,p99,unit"
    while read -r p a b c; do
        [ -n "$p" ] && echo "\"$platform\",$p,$a,$b,$c,tsc-ticks"
    done <<<"$rows"
} > "$out/ipc.csv"
echo "IPC round trips (call + reply), root task on CPU 0"
echo "platform: $platform (TSC = executed instructions)"
printf '%-34s %10s %10s %10s\n' path min median p99
while read -r p a b c; do
    [ -n "$p" ] && printf '%-34s %10s %10s %10s\n' "$p" "$a" "$b" "$c"
done <<<"$rows"
echo "(TSC ticks per round trip, user stubs included, the timer's own cost subtracted;"
echo " same-pd: a local EC in the root PD; cross-pd: servers/bench in its own PD;"
echo " delegate-item+revoke: the call carries a BH_ITEM_DELEGATE typed item, bench"
echo " revokes the copy it received; cross-cpu: a local EC"
echo " with its own SC on CPU 1, woken by IPI. With 2 CPUs, Bochs's TSC was seen to"
echo " move in steps of 5. CSV: $out/ipc.csv)"
failed=$(grep -c '^not ok' "$out/serial.log" || true)
if [ "$failed" != 0 ]; then
    echo "bench: $failed in-system check(s) failed:" >&2
    grep '^not ok' "$out/serial.log" >&2
    exit 1
fi

# VM exits (root/bench_vmx.c): ticks per exit round trip, the guest's loop
# subtracted; in Bochs these are instructions executed for one exit.
vrows=$(sed -n 's/.*# bench: vmexit \([^ ]*\) min=\([0-9]*\) median=\([0-9]*\) p99=\([0-9]*\) ticks.*/\1 \2 \3 \4/p' \
    "$out/serial.log" | grep -v '^loop ' || true)
if [ -z "$vrows" ]; then
    echo "bench: no VM-exit figures (see $out/serial.log)" >&2
    exit 1
fi
{
    echo "platform,path,min,median,p99,unit"
    while read -r p a b c; do
        echo "\"$platform\",$p,$a,$b,$c,tsc-ticks"
    done <<<"$vrows"
} > "$out/vmexit.csv"
echo
echo "VM-exit round trips, a real-mode guest on CPU 0, the root task as its VMM"
echo "platform: $platform (TSC = executed instructions)"
printf '%-34s %10s %10s %10s\n' path min median p99
while read -r p a b c; do
    printf '%-34s %10s %10s %10s\n' "$p" "$a" "$b" "$c"
done <<<"$vrows"
echo "(ticks per exit with the guest's loop subtracted: the exiting instruction,"
echo " hv and the VMM; cpuid-hv is the kernel-only reference, answered by hv"
echo " without leaving the kernel. CSV: $out/vmexit.csv)"
if command -v gnuplot >/dev/null; then
    awk -F, 'NR > 1 { print $(NF-4), $(NF-2) }' "$out/vmexit.csv" > "$out/vmexit.dat"   # the platform has commas
    gnuplot <<GP
set terminal pngcairo size 800,450 noenhanced
set output "$out/vmexit.png"
set title "VM-exit round trip, median (platform: $platform)"
set ylabel "TSC ticks (Bochs: instructions)"
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set grid ytics
plot "$out/vmexit.dat" using 0:2:xtic(1) with boxes notitle, "" using 0:2:2 with labels offset 0,0.8 notitle
GP
    echo "plot: $out/vmexit.png"
fi
