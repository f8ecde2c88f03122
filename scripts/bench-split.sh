#!/bin/bash
# make bench, the hv/user split of the IPC rows: boots the bench ISO once
# more in Bochs with its debugger and traces CPU 0 for $steps instructions
# (a dozen or more round trips) inside each timed row of root/bench.c.
# Each traced instruction shows its CS selector, so the kernel's share
# (CPL 0) and the user's (CPL 3) are counted exactly, not estimated. A
# round trip is the stretch from one execution of the row's timed SYSCALL
# to the next; the first six are skipped and the smallest kernel count of
# the next five is taken (a timer interrupt can only add to one).
# Each row begins with Bochs's magic breakpoint (root/bench.c, row_mark;
# enabled only in this boot), where the debugger stops; the trace then
# steps into the row (stepping stands time still, which a row's loop
# does not notice), and the next continue runs on to the next row.
# (Ordinary breakpoints were seen to be missed inside Bochs's trace
# cache.) Each row's traced period is checked against the RDTSC median of
# the timed boot; a row whose trace does not match gets no split.
# Usage: scripts/bench-split.sh ISO MODEL OUTDIR SERIAL
# (SERIAL: the serial log of the timed boot of the same ISO, whose medians
# the periods are checked against: in this boot time stands still while
# the debugger steps, so its own are no use.)
# Prints "ROW HV USER" per row it could split (USER: the CPL-3
# instructions of the whole period, the loop outside the timed window
# included).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
iso=$1 model=$2 out=$3 timed=$4
root=$here/build/root/root.elf

# last_syscall FUNC: address of the last SYSCALL instruction in FUNC: in
# time_calls and time_item_calls that is the timed call (the untimed
# first call comes before it).
objdump -d --no-show-raw-insn "$root" > "$out/root.dis"
last_syscall() {
    awk -v f="<$1>:" '$2 == f && NF == 2 { on = 1; next } on && NF == 0 { exit }
                      on && $2 == "syscall" { a = $1 } END { sub(":", "", a); print a }' "$out/root.dis"
}
a_calls=$(last_syscall time_calls)
a_items=$(last_syscall time_item_calls)
[ -n "$a_calls" ] && [ -n "$a_items" ] || { echo "bench-split: no timed SYSCALL found in $root" >&2; exit 1; }

# The rows with a mark, in order: time_calls for same-pd fast, same-pd
# general, cross-pd fast, cross-pd general; time_item_calls; time_calls
# for the two cross-CPU rows (not split: their work runs on two CPUs).
rows="same-pd/fast-path/4w same-pd/general-path/8w cross-pd/fast-path/4w cross-pd/general-path/8w cross-pd/delegate-item+revoke/4w"
addrs="$a_calls $a_calls $a_calls $a_calls $a_items"
steps=25000
cmds=$out/split.cmds
{
    for r in 1 2 3 4 5; do
        echo continue                # to the mark of row r
        echo "trace on"; echo "s $steps"; echo "trace off"
    done
    echo continue; echo continue     # past the cross-CPU rows' marks
    echo continue                    # to the end
    echo quit
} > "$cmds"
timeout --kill-after=5 300 bash "$here/scripts/bochs.sh" -i "$iso" -s "$out/split-serial.log" \
    -m "$model" -n 2 -d "$out/bochs-split" -c "$cmds" -x "magic_break: enabled=1" \
    > "$out/split-trace.log" 2>&1 || true
medians=$(sed -n 's/.*# bench: ipc \([^ ]*\) min=[0-9]* median=\([0-9]*\) .*/\1 \2/p' "$timed")

# CS selector 0008 = CPL 0, 0023 = CPL 3.
awk -v rows="$rows" -v addrs="$addrs" -v medians="$medians" '
    BEGIN {
        split(rows, name, " "); split(addrs, at, " "); row = 0
        n = split(medians, m, /[ \n]/)
        for (i = 1; i < n; i += 2) med[m[i]] = m[i + 1]
    }
    /^Tracing enabled for CPU0/ { row++; on = 1; per = 0; hv = 0; us = 0; best = -1; next }
    /^Tracing disabled for CPU0/ {
        # a period within 10% of the median of the row (which leaves out
        # the timing instructions) is that row
        if (on && best >= 0 && (best + bu) * 10 >= med[name[row]] * 9 &&
            (best + bu) * 10 <= med[name[row]] * 11)
            print name[row], best, bu
        on = 0; next
    }
    on && /^\(0\)\./ {
        if (!match($0, /\] [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f]+ /)) next
        cs = substr($0, RSTART + 2, 4)
        ip = substr($0, RSTART + 7, RLENGTH - 8); sub(/^0+/, "", ip)
        if (cs == "0023" && ip == at[row]) {   # the timed SYSCALL: a period ends
            per++
            if (per > 6 && per <= 11 && (best < 0 || hv < best)) { best = hv; bu = us }
            hv = 0; us = 0
        }
        if (cs == "0008") hv++; else us++
    }
' "$out/split-trace.log"
