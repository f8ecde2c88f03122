#!/usr/bin/perl
# The bare-metal test guest (build/guests/testguest.img, guests/README.md)
# under QEMU TCG, without Bulkhead:
#  - booted by SeaBIOS from an IDE disk, no command string: the default
#    tests, all ok, the plan, exit status 0 through isa-debug-exit;
#  - three malformed command strings put at 0x5000 by QEMU's generic
#    loader: each is named as an error and the default tests run instead;
#  - tests=triple: QEMU ends on the triple fault (-no-reboot), with no
#    failing result before it;
#  - started the way the Bulkhead VMM will start it, by
#    build/guests/vmm-start.bin as the firmware (no BIOS, DL=0x80, jump to
#    0000:7C00) with the whole image loaded at 0x7c00: the preloaded path,
#    plus mmio, expect-hv and a hostile run confined to safe ports and RAM;
#  - the same with only sector 0 loaded: the boot sector says it has no
#    payload and no BIOS, and exits with status 3;
#  - the VMM-style start with tests=bench and a tiny iteration count
#    (bench=3,2): a functional check of the exit benchmark, not a
#    measurement: every path is timed or skipped with a reason, and every
#    figure line parses. No timing is asserted (QEMU TCG's TSC is wall
#    time; make bench measures, under Bochs and KVM);
#  - the VMM-style start with tests=passthrough and an NVMe of QEMU's on
#    bus 0: the guest side of passthrough (t_pt.c) against a real device
#    model, without a VMM or an IOMMU in between (that needs nested VT-x:
#    kvm-passthrough.t): found through 0xcf8/0xcfc, BAR0 placed, admin
#    queues in guest RAM, Identify, the MSI-X interrupt.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $IMG       = 'build/guests/testguest.img';
my $VMM_START = 'build/guests/vmm-start.bin';
my $OK_EXIT   = 1;          # isa-debug-exit: status S -> exit code (S << 1) | 1
my @BASE = ('-M', 'q35', '-cpu', 'max', '-m', '64M', '-display', 'none', '-no-reboot',
            '-monitor', 'none', '-nic', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4');
my @DISK = ('-drive', "format=raw,file=$IMG,if=ide,snapshot=on");
my @DEFAULT_TESTS = qw(modes cpuid msr pio exc hlt mmio);
# Results per test in the default set (t_*.c in guests/testguest/).
my %DEFAULT_COUNTS = (modes => 3, cpuid => 2, msr => 3, pio => 2, exc => 5, hlt => 1, mmio => 1);

# setup() also insists on the kernel image, which no run here boots.
my $dir = do { local $Bulkhead::HV = $IMG; setup('guest-qemu', need => [$IMG, $VMM_START]) };

sub write_file {
    my ($name, $bytes) = @_;
    my $f = "$dir/$name";
    open my $fh, '>:raw', $f or die "$f: $!";
    print $fh $bytes;
    close $fh or die "$f: $!";
    return $f;
}

# QEMU's generic loader: FILE's bytes at guest-physical ADDR, at reset.
sub loader {
    my ($file, $addr) = @_;
    return ('-device', "loader,file=$file,addr=$addr,force-raw=on");
}

sub boot {
    my ($tag, @args) = @_;
    return run_qemu(tag => $tag, timeout => 60, base => [@BASE], args => \@args);
}

# Results whose text starts with "NAME:".
sub results_of {
    my ($s, $name) = @_;
    return grep { /^(?:not )?ok \d+ - \Q$name\E:/ } @$s;
}

# The mode lines of every run: the head.asm comments and the three results.
sub check_modes {
    my ($s, $path) = @_;
    my $how = $path eq 'bios' ? 'read by the BIOS \(INT 13h\)' : 'preloaded \(no BIOS call\)';
    ok((grep { /^# testguest: real mode, payload $how$/ } @$s), "real mode, payload $path");
    ok((grep { /^# testguest: protected mode$/ } @$s) && (grep { /^# testguest: long mode$/ } @$s),
       'protected and long mode reported as they happened');
    my $short = $path eq 'bios' ? 'read by the BIOS' : 'preloaded';
    ok((grep { /^ok \d+ - modes: real mode at 0000:7c00 .*payload \Q$short\E, drive 0x80/ } @$s),
       'modes: real mode result');
    ok((grep { /^ok \d+ - modes: protected mode / } @$s), 'modes: protected mode result');
    ok((grep { /^ok \d+ - modes: long mode / } @$s), 'modes: long mode result');
}

# A finished run: every result ok (TODO and SKIP honoured), the plan
# matches, QEMU ended by itself with the pass status. Options: path
# ('bios' or 'preloaded'), counts (results per test name).
sub check_tg {
    my ($r, $label, %e) = @_;
    my @s = @{ $r->{serial} };
    subtest $label => sub {
        my ($plan, @nums);
        for (@s) {
            if (/^(not )?ok (\d+) - (.*)$/) {
                my ($bad, $n, $text) = ($1, $2, $3);
                push @nums, $n;
                my ($desc, $dir, $why) = $text =~ /^(.*?)(?:\s+#\s*(SKIP|TODO)\b\s*(.*))?$/;
                $desc = "guest $n - $desc";
                if ($dir && $dir eq 'SKIP') {
                  SKIP: { skip("$desc: $why", 1) }
                } elsif ($dir && $dir eq 'TODO') {
                    my $tb = Test::More->builder;
                    $tb->todo_start($why);
                    ok(!$bad, $desc);
                    $tb->todo_end;
                } else {
                    ok(!$bad, $desc);
                }
            }
            elsif (/^1\.\.(\d+)$/) { $plan = $1 }
        }
        ok(!$r->{timed_out}, sprintf 'QEMU ended by itself (%.1f s)', $r->{elapsed});
        is($r->{status}, $OK_EXIT, 'exit status 0 through isa-debug-exit (QEMU exit code 1)');
        ok(defined $plan, 'the guest printed its plan');
        is(scalar @nums, $plan // -1, 'as many results as planned');
        is("@nums", join(' ', 1 .. scalar @nums), 'results numbered 1..N');
        ok((grep { /^# testguest: end, \d+ result\(s\), 0 not ok, exit status 0$/ } @s),
           'the guest reports its end with status 0');
        check_modes(\@s, $e{path});
        for my $t (sort keys %{ $e{counts} // {} }) {
            is(scalar results_of(\@s, $t), $e{counts}{$t}, "$t: $e{counts}{$t} result(s)");
        }
    };
}

# 1. SeaBIOS, no command string.
my $r = boot('default', @DISK);
check_tg($r, 'BIOS boot, default tests', path => 'bios', counts => \%DEFAULT_COUNTS);
my @s = @{ $r->{serial} };
ok((grep { /^# cmdline: "" \(empty: the default tests\)$/ } @s), 'empty command string reported');
ok(!(grep { /^# cmdline: error/ } @s), 'and not called an error');
ok((grep { $_ eq "# tests: @DEFAULT_TESTS" } @s), 'the default set is selected');
ok((grep { /^ok \d+ - mmio: 32-bit read # SKIP no mmio=ADDR/ } @s), 'mmio skipped without mmio=');

# 2. Malformed command strings: named, then ignored whole.
my @bad = (
    ['bad-name',  "tests=cpuid,nosuch mmio=0xfed00000\0", 12, qr/unknown test name/],
    ['bad-bytes', "tests=cpuid\x01\xff\x80\0",             11, qr/not printable ASCII/],
    ['no-nul',    'x' x 256,                               256, qr/no NUL terminator/],
);
for my $b (@bad) {
    my ($tag, $bytes, $at, $why) = @$b;
    my $f = write_file("$tag.cmd", $bytes);
    $r = boot($tag, @DISK, loader($f, '0x5000'));
    check_tg($r, "command string $tag: default tests", path => 'bios',
                counts => \%DEFAULT_COUNTS);
    @s = @{ $r->{serial} };
    my ($line) = grep { /^# cmdline: error at byte/ } @s;
    like($line // '', qr/^# cmdline: error at byte \Q$at\E: $why[^;]*; ignoring the command string, running the default tests$/,
         "$tag: the error is named, at byte $at");
    ok((grep { $_ eq "# tests: @DEFAULT_TESTS" } @s), "$tag: the default set runs instead");
    ok((grep { /^ok \d+ - mmio: .*# SKIP/ } @s), "$tag: nothing of the string was used (mmio skipped)");
}

# 3. A triple fault on purpose: with -no-reboot QEMU shuts down (exit 0).
my $f = write_file('triple.cmd', "tests=triple\0");
$r = boot('triple', @DISK, loader($f, '0x5000'));
@s = @{ $r->{serial} };
subtest 'tests=triple' => sub {
    ok(!$r->{timed_out}, sprintf 'QEMU ended by itself (%.1f s)', $r->{elapsed});
    is($r->{status}, 0, 'QEMU shut down on the triple fault (exit 0, not a guest status)');
    ok((grep { /^# triple: empty IDT, then ud2/ } @s), 'the guest announced the triple fault');
    check_modes(\@s, 'bios');
    ok(!(grep { /^not ok/ } @s), 'no failing result');
    ok(!(grep { /^1\.\.\d+$/ || /^# testguest: end/ } @s), 'nothing after the fault');
};

# 4. As the VMM will start it: no BIOS, image and command string in RAM.
my $seed = hex(token());
my $cmd = "tests=default,hostile mmio=0xfed00000 expect-hv=TCGTCGTCGTCG "
        . "hostile=$seed,5000 window=0x1000000-0x2000000 ports=0x1000-0x2000";
note("hostile seed $seed");
$f = write_file('vmm.cmd', "$cmd\0");
$r = boot('vmm-start', '-bios', $VMM_START, loader($IMG, '0x7c00'), loader($f, '0x5000'));
check_tg($r, 'VMM-style start (no BIOS), every safe test', path => 'preloaded',
            counts => { %DEFAULT_COUNTS, cpuid => 3, hostile => 1 });
@s = @{ $r->{serial} };
ok((grep { $_ eq "# cmdline: \"$cmd\"" } @s), 'command string read intact');
ok((grep { /^ok \d+ - cpuid: hypervisor signature is "TCGTCGTCGTCG"/ } @s), 'expect-hv= matched');
ok((grep { /^ok \d+ - mmio: 32-bit read of 0xfed00000 = 0x8086[0-9a-f]{4}$/ } @s),
   'mmio read the HPET capability register (vendor 0x8086)');
ok((grep { /^# hostile: seed \Q$seed\E, 5000 rounds, ports 0x1000-0x2000, window 0x1000000-0x2000000$/ } @s),
   'hostile ran with the given seed, ports and window');
ok((grep { /^ok \d+ - hostile: survived 5000 rounds/ } @s), 'and survived');

# 5. No payload and no BIOS: only sector 0 in RAM.
open my $fh, '<:raw', $IMG or die "$IMG: $!";
read($fh, my $sector0, 512) == 512 or die "$IMG: short read";
close $fh;
$f = write_file('sector0.bin', $sector0);
$r = boot('no-payload', '-bios', $VMM_START, loader($f, '0x7c00'));
@s = @{ $r->{serial} };
subtest 'no payload, no BIOS' => sub {
    ok(!$r->{timed_out}, sprintf 'QEMU ended by itself (%.1f s)', $r->{elapsed});
    ok((grep { /^testguest: no payload in memory and no BIOS to load it$/ } @s),
       'the boot sector says why');
    is($r->{status}, (3 << 1) | 1, 'exit status 3 (could not load the payload)');
};

# 6. The exit benchmark's mode (guests/testguest/t_bench.c), tiny. Plain
# QEMU has no Bulkhead hv (cpuid-hv is skipped), and TCG answers VMCALL
# with #UD (vmcall-vmm is skipped if so); the two MMIO addresses hold no
# device here but are timed all the same.
my @BENCH_PATHS = qw(cpuid-vmm cpuid-hv vmcall-vmm pio-vmm pio-dm mmio-vmm mmio-dm rdmsr-vmm);
$f = write_file('bench.cmd', "tests=bench bench=3,2\0");
$r = boot('bench', '-bios', $VMM_START, loader($IMG, '0x7c00'), loader($f, '0x5000'));
check_tg($r, 'tests=bench bench=3,2: every result ok or skipped', path => 'preloaded',
            counts => { modes => 3, bench => scalar @BENCH_PATHS });
@s = @{ $r->{serial} };
subtest 'bench: the figure lines parse, every path timed or skipped with a reason' => sub {
    ok((grep { $_ eq '# tests: modes bench' } @s), 'only modes and bench selected');
    ok((grep { /^# bench: 3 batches of 2 operations per path, the first dropped; .*; not under the Bulkhead VMM$/ } @s),
       'the header names the batches and that this is not the Bulkhead VMM');
    my %fig;
    for (@s) {
        next unless /^# bench: vmexit /;
        if (/^# bench: vmexit ([a-z-]+) min=(\d+) median=(\d+) p99=(\d+) ticks$/) {
            ok(!exists $fig{$1}, "$1: one figure line");
            $fig{$1} = [$2, $3, $4];
            ok($2 <= $3 && $3 <= $4, "$1: min <= median <= p99 ($2, $3, $4)");
        } else {
            fail("a figure line that does not parse: $_");
        }
    }
    ok(exists $fig{loop}, 'the empty loop was timed');
    for my $p (@BENCH_PATHS) {
        my ($res) = grep { /^ok \d+ - bench: \Q$p\E[: ]/ } @s;
        if ($res && $res =~ /# SKIP/) {
            ok(!exists $fig{$p}, "$p: skipped, no figure");
            ok((grep { /^# bench: \Q$p\E: \S/ } @s), "$p: the reason is printed");
        } else {
            ok($res && exists $fig{$p}, "$p: timed, with an ok result and a figure line");
            like($res // '', qr/^ok \d+ - bench: \Q$p\E: .+: \d+\/\d+\/\d+ ticks \(min\/median\/p99\)$/,
                 "$p: the result names what it reached and the figures");
        }
    }
    for my $p (qw(cpuid-vmm pio-vmm pio-dm mmio-vmm mmio-dm)) {
        ok(exists $fig{$p}, "$p: timed on every platform");
    }
    ok((grep { /^ok \d+ - bench: cpuid-hv # SKIP/ } @s), "cpuid-hv skipped: hv's own leaf is not here");
    ok((grep { /^ok \d+ - bench: mmio-dm: .*no memory-mapped 16550 here/ } @s),
       'mmio-dm says that 0xfe000000 holds no device here');
};

# 7. The guest side of passthrough (guests/testguest/t_pt.c) on QEMU's NVMe.
my $nvme = write_file('nvme.img', "\0" x (1 << 20));
$f = write_file('pt.cmd', "tests=passthrough\0");
$r = boot('passthrough', '-bios', $VMM_START, loader($IMG, '0x7c00'), loader($f, '0x5000'),
          '-drive', "file=$nvme,if=none,id=nv0,format=raw", '-device', 'nvme,drive=nv0,serial=tg-pt,addr=0x4');
check_tg($r, 'tests=passthrough on QEMU\'s NVMe: every result ok', path => 'preloaded',
            counts => { modes => 3, passthrough => 5 });
@s = @{ $r->{serial} };
ok((grep { /^ok \d+ - passthrough: an NVMe controller on bus 0 through 0xcf8\/0xcfc, BAR0 16 KiB placed at 0xe0000000$/ } @s),
   'passthrough: the NVMe found by class, BAR0 sized and placed');
ok((grep { /^ok \d+ - passthrough: the device's DMA landed in guest RAM at IOVA = GPA 0x202000: model "QEMU NVMe Ctrl", serial "tg-pt"$/ } @s),
   'passthrough: Identify data in guest RAM (model and serial)');
ok((grep { /^ok \d+ - passthrough: MSI-X entry 0 arrived as vector 0x50 \(\d+ interrupt\(s\)\)$/ } @s),
   'passthrough: the MSI-X interrupt as the guest programmed it');

done_testing();
