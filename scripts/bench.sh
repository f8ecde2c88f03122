#!/bin/bash
# make bench: performance figures under Bochs, whose TSC counts executed
# instructions exactly, so the figures are instruction counts
# (deterministic), not real-hardware cycles. Three tables, and a fourth
# from QEMU TCG (the user-space NVMe driver, see section 4):
#   1. IPC round trips: the root task in benchmark mode, with servers/bench
#      as a boot module for the cross-PD rows (build/bench/ipc.csv);
#   2. VM exits of a real-mode guest whose VMM is the root task itself
#      (root/bench_vmx.c, same boot; build/bench/vmexit.csv, vmexit.png);
#   3. VM exits timed from inside the test guest (its `bench` test) under
#      the real VMM and its UART server (boot/bench.dts, a second boot;
#      build/bench/vmexit-vmm.csv, vmexit-vmm.png). Where QEMU+KVM works
#      with VMX (scripts/kvm-probe.sh) the same guest also runs directly
#      under KVM, and KVM's figures (real TSC cycles) go beside Bulkhead's.
# Any `not ok` line, an unfinished run or a missing figure fails.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/bench
mkdir -p "$out"
model=${BENCH_MODEL:-corei7_skylake_x}
platform="Bochs 2.7, cpu model $model, 2 CPUs"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit with uncommitted changes"
guest=build/guests/testguest.img
# The paths of the guest's bench test (guests/testguest/t_bench.c).
vm_paths="cpuid-vmm cpuid-hv vmcall-vmm pio-vmm pio-dm mmio-vmm mmio-dm rdmsr-vmm"

die() { echo "bench: $*" >&2; exit 1; }

# boot NAME ISO: runs the ISO in Bochs ($model, 2 CPUs), COM1 to
# $out/NAME-serial.log; fails unless the kernel reached its end.
boot() {
    local name=$1 iso=$2 log=$out/$1-serial.log
    rm -f "$log"
    timeout --kill-after=5 300 bash scripts/bochs.sh -i "$iso" -s "$(realpath "$out")/$name-serial.log" \
        -m "$model" -n 2 -d "$out/bochs-$name" >/dev/null 2>&1 || true
    grep -q '^# bulkhead: end' "$log" 2>/dev/null ||
        die "the $name run did not finish; serial log: $log"
    sed -i 's/\r$//' "$log"                          # COM1 lines end in CR LF
}

# no_failures LOG PATTERN WHAT: fails if LOG has lines matching PATTERN.
no_failures() {
    local failed
    failed=$(grep -c -- "$2" "$1" || true)
    if [ "$failed" != 0 ]; then
        echo "bench: $failed $3 failed:" >&2
        grep -- "$2" "$1" >&2
        exit 1
    fi
}

# rows LOG PREFIX: "PATH MIN MEDIAN P99" for each "# bench: vmexit" line
# that follows PREFIX (a regular expression) in LOG.
rows() {
    sed -n "s/^$2# bench: vmexit \([^ ]*\) min=\([0-9]*\) median=\([0-9]*\) p99=\([0-9]*\) ticks.*/\1 \2 \3 \4/p" "$1"
}

# csv PLATFORM ROWS: CSV lines of ROWS.
csv() {
    while read -r p a b c; do
        [ -n "$p" ] && echo "\"$1\",$p,$a,$b,$c,tsc-ticks"
    done <<<"$2"
    return 0
}

# ---- 1 and 2: the IPC table and the root task's own VMM ---------------
bash scripts/mkiso.sh -o "$out/bench.iso" -c "serial=0x3f8,115200 exit=poweroff" \
    -m "build/root/root.elf bench" -m build/servers/bench.elf >/dev/null
boot ipc "$out/bench.iso"
cp "$out/ipc-serial.log" "$out/serial.log"          # the name it always had
rows_ipc=$(sed -n 's/.*# bench: ipc \([^ ]*\) min=\([0-9]*\) median=\([0-9]*\) p99=\([0-9]*\) ticks.*/\1 \2 \3 \4/p' \
    "$out/serial.log")
[ -n "$rows_ipc" ] || die "no IPC figures (see $out/serial.log)"
# The hv/user split of the IPC rows: one more boot, traced in Bochs's
# debugger (scripts/bench-split.sh): the CPL-0 instructions of one round
# trip of each row, counted exactly.
split=$(bash scripts/bench-split.sh "$out/bench.iso" "$model" "$out" "$out/serial.log")
[ -n "$split" ] || die "no hv/user split of the IPC rows (see $out/split-trace.log)"
{
    echo "platform,path,min,median,p99,hv,unit"
    while read -r p a b c; do
        [ -n "$p" ] || continue
        h=$(awk -v p="$p" '$1 == p { print $2 }' <<<"$split")
        echo "\"$platform\",$p,$a,$b,$c,${h:-},tsc-ticks"
    done <<<"$rows_ipc"
} > "$out/ipc.csv"
echo "IPC round trips (call + reply), root task on CPU 0"
echo "platform: $platform (TSC = executed instructions)"
printf '%-34s %8s %8s %8s %8s %8s\n' path min median p99 hv user
while read -r p a b c; do
    h=$(awk -v p="$p" '$1 == p { print $2 }' <<<"$split")
    if [ -n "$h" ]; then
        printf '%-34s %8s %8s %8s %8s %8s\n' "$p" "$a" "$b" "$c" "$h" $((b - h))
    else
        printf '%-34s %8s %8s %8s %8s %8s\n' "$p" "$a" "$b" "$c" - -
    fi
done <<<"$rows_ipc"
echo "(TSC ticks per round trip, user stubs included, the timer's own cost subtracted;"
echo " hv: the kernel's share, the instructions executed at CPL 0 in one round trip,"
echo " counted in a Bochs debugger trace of CPU 0 (scripts/bench-split.sh; the"
echo " smallest of three consecutive round trips); user = median - hv: the user"
echo " instructions inside the timed window, both stubs and the echo loop."
echo " same-pd: a local EC in the root PD; cross-pd: servers/bench in its own PD;"
echo " delegate-item+revoke: the call carries a BH_ITEM_DELEGATE typed item, bench"
echo " revokes the copy it received; cross-cpu: a local EC"
echo " with its own SC on CPU 1, woken by IPI (no split: the work is on two CPUs)."
echo " With 2 CPUs, Bochs's TSC was seen to move in steps of 5. CSV: $out/ipc.csv)"
no_failures "$out/serial.log" '^not ok' "in-system check(s)"

# VM exits (root/bench_vmx.c): ticks per exit round trip, the guest's loop
# subtracted; in Bochs these are instructions executed for one exit.
vrows=$(rows "$out/serial.log" '.*' | grep -v '^loop ' || true)
[ -n "$vrows" ] || die "no VM-exit figures (see $out/serial.log)"
{ echo "platform,path,min,median,p99,unit"; csv "$platform" "$vrows"; } > "$out/vmexit.csv"
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

# ---- 3: the test guest under the real VMM, and under KVM --------------
bash scripts/mkiso.sh -o "$out/bench-vmm.iso" -c "serial=0x3f8,115200 exit=poweroff" \
    -m "build/root/root.elf servers config=bench.dtb nosuite" -m build/boot/bench.dtb \
    -m build/vmm/uart.elf -m build/vmm/vmm.elf -m "$guest" >/dev/null
boot vmm "$out/bench-vmm.iso"
vlog=$out/vmm-serial.log
no_failures "$vlog" '^not ok' "kernel or root task check(s) of the VMM run"
no_failures "$vlog" '^\[bench-uart\] bench: not ok' "guest result(s) of the VMM run"
grep -q '^\[bench\] # vmm bench: guest exited with status 0$' "$vlog" ||
    die "the bench guest did not end with status 0 under the VMM (see $vlog)"
mrows=$(rows "$vlog" '\[bench-uart\] bench: ')
for p in loop $vm_paths; do
    grep -q "^$p " <<<"$mrows" || die "no figure for $p from the guest under the VMM (see $vlog)"
done
mrows=$(grep -v '^loop ' <<<"$mrows")

# The same guest image, started as the VMM starts it (build/guests/vmm-start.bin
# as firmware), directly under QEMU+KVM, where that works with VMX.
kplatform= krows= kwhy=
rm -f "$out"/kvm-*.log "$out/kvm.cmd" "$out/vmexit-kvm.dat"   # no stale KVM figures
if kwhy=$(scripts/kvm-probe.sh); then
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    qver=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
    kplatform="QEMU $qver + KVM, -cpu host, $cpu"
    printf 'tests=bench\0' > "$out/kvm.cmd"
    klog=$out/kvm-serial.log
    rm -f "$klog"
    status=0
    timeout --kill-after=5 120 qemu-system-x86_64 -enable-kvm -cpu host -M q35 -m 64M \
        -display none -no-reboot -monitor none -nic none -serial "file:$klog" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -bios build/guests/vmm-start.bin \
        -device "loader,file=$guest,addr=0x7c00,force-raw=on" \
        -device "loader,file=$out/kvm.cmd,addr=0x5000,force-raw=on" \
        </dev/null >"$out/kvm-qemu.log" 2>&1 || status=$?
    # isa-debug-exit: guest status 0 is QEMU exit code 1.
    [ "$status" = 1 ] || die "the bench guest under KVM ended with QEMU status $status (see $klog, $out/kvm-qemu.log)"
    sed -i 's/\r$//' "$klog"
    no_failures "$klog" '^not ok' "guest result(s) under KVM"
    krows=$(rows "$klog" '')
    # hv's own CPUID leaf exists only in Bulkhead: the guest skips it under KVM.
    for p in loop ${vm_paths/cpuid-hv /}; do
        grep -q "^$p " <<<"$krows" || die "no figure for $p from the guest under KVM (see $klog)"
    done
    krows=$(grep -v '^loop ' <<<"$krows")
fi

{
    echo "platform,path,min,median,p99,unit"
    csv "$platform, real VMM, commit $commit" "$mrows"
    [ -z "$kplatform" ] || csv "$kplatform" "$krows"
} > "$out/vmexit-vmm.csv"

echo
echo "VM-exit round trips timed inside the test guest (long mode, its bench test),"
echo "under the real VMM (vmm/) with its UART server, on CPU 0 (boot/bench.dts)"
echo "platform: $platform (TSC = executed instructions), commit $commit"
if [ -n "$kplatform" ]; then
    echo "beside it: the same guest directly under $kplatform (TSC = real cycles:"
    echo " a different unit, and the device paths end in QEMU's user space)"
    printf '%-12s %9s %9s %9s | %9s %9s %9s\n' path min median p99 kvm-min kvm-med kvm-p99
else
    printf '%-12s %9s %9s %9s\n' path min median p99
fi
while read -r p a b c; do
    if [ -n "$kplatform" ]; then
        read -r _ ka kb kc <<<"$(grep "^$p " <<<"$krows" || echo "$p - - -")"
        printf '%-12s %9s %9s %9s | %9s %9s %9s\n' "$p" "$a" "$b" "$c" "$ka" "$kb" "$kc"
    else
        printf '%-12s %9s %9s %9s\n' "$p" "$a" "$b" "$c"
    fi
done <<<"$mrows"
echo "(ticks per exit, the guest's empty loop subtracted: the exiting instruction, hv,"
echo " the VMM and, for -dm, the UART server over IPC. cpuid-vmm CPUID leaf 0; cpuid-hv"
echo " leaf 0x40000100, answered by hv itself (hv-leaf=1); vmcall-vmm hypercall 0;"
echo " pio-vmm IN from the 8259 in the VMM; pio-dm IN from COM1 in the UART server;"
echo " mmio-vmm a read of the VMM's information device (0xfeb00000); mmio-dm a read of"
echo " the UART server's memory-mapped 16550 (0xfe000000); rdmsr-vmm RDMSR 0x8b."

if [ -n "$kplatform" ]; then
    echo " Under KVM: CPUID, VMCALL, RDMSR and the 8259 are answered in the kernel;"
    echo " COM1 and both MMIO addresses (unassigned there) go to QEMU's user space."
else
    fold -s -w 78 <<<" No KVM column: scripts/kvm-probe.sh says: $kwhy." | sed 's/ *$//; 2,$s/^/ /'
fi
echo " CSV: $out/vmexit-vmm.csv)"

# ---- 4: user-space drivers under QEMU TCG with the IOMMU ---------------
# The NVMe driver and its block client (boot/drivers-bench.dts) on q35
# with intel-iommu (interrupt remapping) and an NVMe over an 8 MiB raw
# image: the client's 4 KiB read latency and sequential throughput
# through the driver, and the driver's BH_MAP_DMA map and unmap of one
# page (drivers/nvme/bench.c, drivers/blkclient/bench.c). QEMU's TCG TSC
# follows the host's clock: these are emulated-machine wall times, noisy
# and not hardware figures; ns use the TSC rate hv measured at boot.
qver=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
dplatform="QEMU $qver TCG, q35 + intel-iommu (intremap), NVMe, 2 vCPUs"
dlog=$out/drivers-serial.log
rm -f "$dlog"
truncate -s 0 "$out/nvme-bench.img" && truncate -s 8M "$out/nvme-bench.img"
timeout --kill-after=5 150 qemu-system-x86_64 -M q35 -device intel-iommu,intremap=on -cpu max \
    -smp 2 -m 512M -display none -no-reboot -monitor none -serial "file:$dlog" \
    -drive "file=$out/nvme-bench.img,if=none,id=nv0,format=raw" \
    -device nvme,drive=nv0,serial=bench0,addr=0x4 -kernel build/hv/hv.bin \
    -append "serial=0x3f8,115200 exit=poweroff" \
    -initrd "build/root/root.elf servers nosuite config=drivers-bench.dtb,build/boot/drivers-bench.dtb,build/drivers/pci.elf,build/drivers/nvme.elf,build/drivers/blkclient.elf" \
    </dev/null >"$out/drivers-qemu.log" 2>&1 || true
[ -f "$dlog" ] && sed -i 's/\r$//' "$dlog"
grep -q '^# bulkhead: end' "$dlog" 2>/dev/null || die "the drivers run did not finish; serial log: $dlog"
no_failures "$dlog" '^not ok' "check(s) of the drivers run"
khz=$(sed -n 's/^# apic: .*tsc \([0-9]*\) kHz.*/\1/p' "$dlog" | head -1)
[ -n "$khz" ] && [ "$khz" -gt 0 ] || die "no TSC rate in $dlog"
drows=$(sed -n 's/^\[[a-z]*\] # bench: \(nvme read-4k\|dma map\|dma unmap\|dma map+unmap\) min=\([0-9]*\) median=\([0-9]*\) p99=\([0-9]*\) ticks.*/\1 \2 \3 \4/p' "$dlog" |
    sed 's/^nvme read-4k/read-4k/; s/^dma /dma-/')
for p in read-4k dma-map dma-unmap dma-map+unmap; do
    grep -q "^$p " <<<"$drows" || die "no figure for $p from the drivers run (see $dlog)"
done
drows=$(for p in read-4k dma-map dma-unmap dma-map+unmap; do grep "^$p " <<<"$drows"; done)
seq=$(sed -n 's/^\[blkclient\] # bench: nvme \(seq-[a-z]*\) bytes=\([0-9]*\) ticks=\([0-9]*\) requests=\([0-9]*\)$/\1 \2 \3 \4/p' "$dlog")
for p in seq-write seq-read; do
    grep -q "^$p " <<<"$seq" || die "no figure for $p from the drivers run (see $dlog)"
done
ns() { awk -v t="$1" -v k="$khz" 'BEGIN { printf "%.0f", t * 1000000 / k }'; }
{
    echo "platform,path,min,median,p99,unit"
    csv "$dplatform, commit $commit" "$drows"
    while read -r p a b c; do
        echo "\"$dplatform, commit $commit\",$p,$(ns "$a"),$(ns "$b"),$(ns "$c"),ns"
    done <<<"$drows"
} > "$out/drivers.csv"
{
    echo "platform,path,bytes,requests,ticks,mib_per_s"
    while read -r p b t r; do
        echo "\"$dplatform, commit $commit\",$p,$b,$r,$t,$(awk -v b="$b" -v t="$t" -v k="$khz" 'BEGIN { printf "%.1f", b / 1048576 / (t / (k * 1000)) }')"
    done <<<"$seq"
} > "$out/drivers-seq.csv"
echo
echo "User-space NVMe driver and DMA mappings (boot/drivers-bench.dts)"
echo "platform: $dplatform, commit $commit"
echo " (TCG: emulated-machine wall time on this host, not hardware; TSC $khz kHz as hv measured it)"
printf '%-16s %10s %10s %10s | %9s %9s %9s\n' path min median p99 'min ns' 'med ns' 'p99 ns'
while read -r p a b c; do
    printf '%-16s %10s %10s %10s | %9s %9s %9s\n' "$p" "$a" "$b" "$c" "$(ns "$a")" "$(ns "$b")" "$(ns "$c")"
done <<<"$drows"
while read -r p b t r; do
    printf '%-16s %s KiB in %s requests: %s ticks, %s MiB/s\n' "$p" "$((b / 1024))" "$r" "$t" \
        "$(awk -v b="$b" -v t="$t" -v k="$khz" 'BEGIN { printf "%.1f", b / 1048576 / (t / (k * 1000)) }')"
done <<<"$seq"
echo "(TSC ticks; read-4k: blkclient's call to the driver until its reply, 1000 reads of"
echo " 8 blocks into a shared DMA page: IPC, the NVMe command, its MSI-X completion through"
echo " interrupt remapping; seq-*: 4 MiB in 8 KiB requests, one in flight; dma-map: one"
echo " BH_SYS_MAP with BH_MAP_DMA of one page into the driver's DMA space, dma-unmap: the"
echo " BH_SYS_UNMAP that removes it (entry cleared, page-selective IOTLB invalidation by"
echo " queued invalidation), 1000 each, the timer's cost subtracted."
echo " CSV: $out/drivers.csv, $out/drivers-seq.csv)"

# ---- plots --------------------------------------------------------------
if command -v gnuplot >/dev/null; then
    # The platform has commas: take the fields from the end.
    awk -F, 'NR > 1 { print $(NF-4), $(NF-2) }' "$out/vmexit.csv" > "$out/vmexit.dat"
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
    awk '{ print $1, $3 }' <<<"$mrows" > "$out/vmexit-vmm.dat"
    [ -z "$kplatform" ] || awk '{ print $1, $3 }' <<<"$krows" > "$out/vmexit-kvm.dat"
    {
        echo "set terminal pngcairo size 900,$([ -z "$kplatform" ] && echo 500 || echo 950) noenhanced"
        echo "set output \"$out/vmexit-vmm.png\""
        echo 'set style fill solid 0.6'
        echo 'set boxwidth 0.6'
        echo 'set yrange [0:*]'
        echo 'set offsets 0, 0, graph 0.12, 0'
        echo 'set grid ytics'
        echo 'set xtics rotate by -30'
        [ -z "$kplatform" ] || echo 'set multiplot layout 2,1'
        echo "set title \"VM-exit round trip from a long-mode guest through the real VMM, median\\n$platform\\ncommit $commit\""
        echo 'set ylabel "TSC ticks (Bochs: instructions)"'
        echo "plot \"$out/vmexit-vmm.dat\" using 0:2:xtic(1) with boxes notitle, \"\" using 0:2:2 with labels offset 0,0.8 notitle"
        if [ -n "$kplatform" ]; then
            echo "set title \"The same guest directly under KVM, median\\n$kplatform\""
            echo 'set ylabel "TSC ticks (real cycles)"'
            echo "plot \"$out/vmexit-kvm.dat\" using 0:2:xtic(1) with boxes lc 2 notitle, \"\" using 0:2:2 with labels offset 0,0.8 notitle"
            echo 'unset multiplot'
        fi
    } | gnuplot
    echo "plot: $out/vmexit-vmm.png"
    awk -v k="$khz" '{ printf "%s %.2f\n", $1, $3 * 1000 / k }' <<<"$drows" > "$out/drivers.dat"
    gnuplot <<GP
set terminal pngcairo size 800,450 noenhanced
set output "$out/drivers.png"
set title "User-space NVMe driver and DMA mappings, median\n$dplatform (emulated wall time)"
set ylabel "microseconds (log scale)"
set logscale y
set style fill solid 0.6
set boxwidth 0.6
set yrange [0.1:*]
set grid ytics
plot "$out/drivers.dat" using 0:2:xtic(1) with boxes notitle, "" using 0:2:2 with labels offset 0,0.8 notitle
GP
    echo "plot: $out/drivers.png"
fi
