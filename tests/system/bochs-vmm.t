#!/usr/bin/perl
# Guests under the per-guest VMM (vmm/), in Bochs (corei7_skylake_x, and
# the pair again on corei7_icelake_u; 2 CPUs, GRUB ISO): the root task starts VMMs and UART servers from a VM
# configuration (`servers config=...`, boot/vms*.dts) and supervises them
# until the VMMs end. Two boots:
#
#   pair    boot/vms.dts: vm1 and vm2 at the same time, one on each CPU.
#           Both run the test guest's default tests (real, protected and
#           long mode; CPUID with the VMM's signature; MSRs; port I/O;
#           exceptions; HLT woken by the APIC timer); vm1 also reads the
#           VMM's MMIO information device, vm2 then runs 20000 hostile
#           rounds of random ports, MSRs and memory half outside its RAM.
#           Each guest's TAP must arrive through its UART server and all
#           pass, and its VMM must report exit status 0.
#   faults  boot/vms-faults.dts: four guests, three broken on purpose: a
#           triple fault stops only its VM; a VMM that faults is ended by
#           the root, and only its guest with it; a UART server that
#           faults costs only its guest's output, and that guest's VMM
#           still reports its exit status (1: its UART checks fail once
#           the UART is gone). The fourth guest passes all its tests. A
#           fifth, endless one is not awaited: the root kills its VMM while
#           the guest runs, and every page still comes back.
#
# Both boots: the kernel's TAP passes (the root task's own suite, the
# servers started, every awaited VMM ended in time), no panic, a clean end.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('bochs-vmm', need => [$ROOT_ELF, 'build/boot/vms.dtb', 'build/boot/vms-faults.dtb', @VM_FILES]);

# One boot of CONFIG under tag TAG: kernel TAP and boot report checked.
# Each run takes about 40 s here; the limit leaves room for a loaded host.
sub boot {
    my ($tag, $config, $model) = @_;
    my $tok = token();
    my @mods = vm_modules($config, "rootarg=$tok");
    my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
    my $iso = make_iso(tag => $tag, cmdline => $cmdline, modules => \@mods);
    my $r = run_bochs(tag => $tag, iso => $iso, model => $model // 'corei7_skylake_x', cpus => 2, timeout => 600);
    check_kernel_tap($r, label => $tag);
    check_boot($r, proto => 'mb2', loader => qr/grub/i, cmdline => $cmdline, cpus => '2/2', vmx => 1,
               modules => [ map { { file => $_->[0], args => $_->[1] } } @mods ]);
    return $r;
}

sub has { my ($r, $re) = @_; return scalar grep { /$re/ } @{ $r->{serial} } }

# The first line number in R that matches RE (-1 if none).
sub first_at {
    my ($r, $re) = @_;
    my $s = $r->{serial};
    for my $i (0 .. $#$s) { return $i if $s->[$i] =~ $re }
    return -1;
}

sub last_at {
    my ($r, $re) = @_;
    my $s = $r->{serial};
    for (my $i = $#$s; $i >= 0; $i--) { return $i if $s->[$i] =~ $re }
    return -1;
}

# The default tests of guests/README.md, by the start of their text.
sub check_default_tests {
    my ($g, $name, %o) = @_;
    my %res = %{ $g->{results} };
    my $has = sub { my ($re) = @_; return grep { /$re/ && $res{$_} } keys %res };
    subtest "guest $name: the default tests under the VMM" => sub {
        is(scalar($has->(qr/^modes: /)), 3, 'real, protected and long mode');
        ok($has->(qr/^modes: real mode at 0000:7c00 .*payload preloaded, drive 0x80/), 'started at 0000:7C00 with DL=0x80, no BIOS');
        ok($has->(qr/^cpuid: leaf 0: vendor "GenuineIntel"/), 'CPUID leaf 0 passed through');
        ok($has->(qr/^cpuid: leaf 1: .*APIC id 0/), 'CPUID leaf 1: one CPU, APIC id 0');
        ok($has->(qr/^cpuid: hypervisor signature is "BulkheadVMM" \(expect-hv=BulkheadVMM\)$/),
           'CPUID 0x40000000: the VMM signature') if $o{expect_hv};
        is(scalar($has->(qr/^msr: /)), 3, 'APIC base, TSC and SYSENTER_CS MSRs');
        is(scalar($has->(qr/^pio: /)), 2, 'CMOS seconds and the UART scratch register');
        is(scalar($has->(qr/^exc: /)), 5, 'five exceptions caught by the guest itself');
        ok($has->(qr/^hlt: one-shot APIC timer .* woke HLT: 1 interrupt\(s\) after \d+ HLT\(s\), \d+ TSC ticks, current count 0$/),
           'HLT woken by the APIC timer (xAPIC MMIO), injected by the VMM');
        ok($has->(qr/^mmio: 32-bit read of 0xfeb00000 = 0x4d564842$/), 'MMIO: the VMM information device reads "BHVM"')
            if $o{mmio};
    };
}

# ---- pair: two guests at once, one of them hostile --------------------
my $r = boot('pair', 'vms.dtb');
my $g1 = check_guest($r, 'vm1', label => 'vm1: TAP through its UART server');
my $g2 = check_guest($r, 'vm2', label => 'vm2: TAP through its UART server');
check_default_tests($g1, 'vm1', expect_hv => 1, mmio => 1);
check_default_tests($g2, 'vm2', expect_hv => 1);
subtest 'pair: two VMMs, two guests, two CPUs at once' => sub {
    ok(has($r, qr/^\[root\.elf\] # server vm1: started/), 'vm1 started');
    ok(has($r, qr/^\[root\.elf\] # server vm2: started/), 'vm2 started');
    ok(has($r, qr/^\[vm1\] # vmm vm1: guest 'guest' \(516096 bytes\) at 0x7c00, 4 MiB RAM, .*vCPU on cpu 0,/), 'vm1 on cpu 0');
    ok(has($r, qr/^\[vm2\] # vmm vm2: guest 'guest' \(516096 bytes\) at 0x7c00, 4 MiB RAM, .*vCPU on cpu 1,/), 'vm2 on cpu 1');
    ok(has($r, qr/^\[vm1\] # vmm vm1: guest .*, RAM in 2 MiB pages: 2 of 2$/) &&
       has($r, qr/^\[vm2\] # vmm vm2: guest .*, RAM in 2 MiB pages: 2 of 2$/),
       'both VMMs gave their guests RAM as 2 MiB EPT pages');
    ok(has($r, qr/^\[vm1\] # vmm vm1: guest exited with status 0$/), 'vm1: the VMM reports exit status 0');
    ok(has($r, qr/^\[vm2\] # vmm vm2: guest exited with status 0$/), 'vm2: the VMM reports exit status 0');
    my ($f1, $l1) = (first_at($r, qr/^\[vm1-uart\] vm1: /), last_at($r, qr/^\[vm1-uart\] vm1: /));
    my ($f2, $l2) = (first_at($r, qr/^\[vm2-uart\] vm2: /), last_at($r, qr/^\[vm2-uart\] vm2: /));
    ok($f1 >= 0 && $f2 >= 0 && $f1 < $l2 && $f2 < $l1, "their output interleaves: both ran at once (lines $f1-$l1 and $f2-$l2)");
    ok(!has($r, qr/^# vm[12]-guest: vCPU stopped/), 'hv stopped neither vCPU');
    ok(has($r, qr/^ok \d+ - supervise: every awaited server ended within \d+ ms \(0 of 2 still running\)$/),
       'the root saw both VMMs end');
};
subtest 'pair: the hostile guest survived and the VMM counted its pokes' => sub {
    ok((grep { /^hostile: survived 20000 rounds \(io \d+, msr \d+, mem \d+\), code and rodata intact$/ && $g2->{results}{$_} }
        keys %{ $g2->{results} }), 'vm2: 20000 hostile rounds survived, its code intact');
    my ($line) = grep { /^\[vm2\] # vmm vm2: unassigned ports \d+ reads/ } @{ $r->{serial} };
    ok($line && $line =~ /unassigned ports (\d+) reads, (\d+) writes; unknown MSRs (\d+); unassigned MMIO (\d+)/
           && $1 > 0 && $2 > 0 && $3 > 0 && $4 > 0,
       'the VMM answered unassigned ports, unknown MSRs and unassigned MMIO: ' . ($line // 'no report'));
    ok(has($r, qr/^\[vm2\] # vmm vm2: (read|write) of \d byte\(s\) at unassigned 0x4[0-9a-f]{5} \(EPT qualification 0x18[12], rip 0x[0-9a-f]+\)/),
       'an access beyond its RAM was decoded and reported with GPA and qualification');
    ok(has($r, qr/^\[vm2\] # vmm vm2: (RD|WR)MSR of unknown MSR 0x[0-9a-f]+ at rip 0x[0-9a-f]+: #GP/), 'unknown MSRs: #GP');
    ok(has($r, qr/^\[vm1\] # vmm vm1: unassigned ports 0 reads, 0 writes; unknown MSRs 0; unassigned MMIO 0;/),
       'vm1 poked nothing it should not have');
};

# ---- pair on a second CPU model (corei7_icelake_u) --------------------
$r = boot('pair-icelake', 'vms.dtb', 'corei7_icelake_u');
check_default_tests(check_guest($r, 'vm1', label => 'icelake vm1: TAP through its UART server'), 'vm1 (icelake)',
                    expect_hv => 1, mmio => 1);
check_default_tests(check_guest($r, 'vm2', label => 'icelake vm2: TAP through its UART server'), 'vm2 (icelake)',
                    expect_hv => 1);
subtest 'pair on corei7_icelake_u: both guests end with status 0' => sub {
    ok(has($r, qr/^\[vm1\] # vmm vm1: guest exited with status 0$/), 'vm1: the VMM reports exit status 0');
    ok(has($r, qr/^\[vm2\] # vmm vm2: guest exited with status 0$/), 'vm2: the VMM reports exit status 0');
    ok(!has($r, qr/^# vm[12]-guest: vCPU stopped/), 'hv stopped neither vCPU');
};

# ---- faults: a triple fault, a dying VMM, a dying UART server ---------
$r = boot('faults', 'vms-faults.dtb');
my $good = check_guest($r, 'good', label => 'good: TAP through its UART server');
check_default_tests($good, 'good', expect_hv => 1, mmio => 1);
subtest 'faults: good finished while the others broke' => sub {
    ok(has($r, qr/^\[good\] # vmm good: guest exited with status 0$/), 'good: exit status 0');
    ok(has($r, qr/^\[root\.elf\] # supervise: good ended: exited$/), 'good: its VMM ended normally');
    ok(has($r, qr/^ok \d+ - supervise: every awaited server ended within \d+ ms \(0 of 4 still running\)$/),
       'every awaited VMM ended in time');
};
subtest 'faults: a triple fault stops its VM only' => sub {
    my @t = guest_output($r, 'triple');
    ok((grep { /^# triple: empty IDT, then ud2: a triple fault; nothing follows$/ } @t), 'the guest announced it');
    ok(has($r, qr/^\[triple\] # vmm triple: VM ended: the guest triple-faulted \(rip 0x[0-9a-f]+, cr0 0x80000011\)$/),
       'its VMM reports the triple fault and stops the VM');
    ok(!(grep { /^# testguest: end/ } @t), 'nothing follows in the guest');
    ok(has($r, qr/^\[root\.elf\] # supervise: triple ended: exited$/), 'its VMM then ended normally');
};
subtest 'faults: a VMM that faults takes only its own guest' => sub {
    ok(has($r, qr/^\[vmmcrash\] # vmm vmmcrash: crash-after=2000: faulting on purpose at exit 2000 /), 'the VMM faults on purpose');
    ok(has($r, qr/^\[root\.elf\] # server vmmcrash: #PF \(error [0-9a-f]+\) at 0, rip [0-9a-f]+: ending it$/),
       "the root's fault portal saw it");
    ok(has($r, qr/^\[root\.elf\] # server vmmcrash: failed$/), 'the root ended the VMM');
    ok(has($r, qr/^\[root\.elf\] # supervise: vmmcrash ended: failed$/), 'supervision counts it as failed');
    ok(!(grep { /^# testguest: end/ } guest_output($r, 'vmmcrash')), 'its guest never finished');
    ok(!has($r, qr/^\[vmmcrash\] # vmm vmmcrash: guest exited/), 'and never reported an exit status');
};
subtest 'faults: a UART server that faults costs only its guest the output' => sub {
    my @u = guest_output($r, 'uartcrash');
    is(scalar @u, 5, 'the UART server printed its 5 lines, then nothing');
    ok(has($r, qr/^\[root\.elf\] # server uartcrash-uart: #PF \(error [0-9a-f]+\) at 0, rip [0-9a-f]+: ending it$/),
       'it faulted');
    ok(has($r, qr/^\[root\.elf\] # server uartcrash-uart: failed$/), 'the root ended it');
    ok(has($r, qr/^\[uartcrash\] # vmm uartcrash: the UART server is gone \(status 16\): the guest's serial output is lost/),
       'its VMM noticed (EABORT) and said so');
    ok(has($r, qr/^\[uartcrash\] # vmm uartcrash: guest exited with status 1$/),
       'the guest still ended and its VMM reported status 1 (the UART scratch check fails without a UART)');
    ok(has($r, qr/^\[root\.elf\] # supervise: uartcrash ended: exited$/), 'its VMM ended normally');
};
subtest 'faults: the root kills a VMM whose guest is still running' => sub {
    ok((grep { /^# hostile: seed 7, 100000000 rounds/ } guest_output($r, 'endless')), 'endless was running its hostile rounds');
    ok(has($r, qr/^\[root\.elf\] # supervise: stopping endless$/), 'the root stopped it at the end');
    ok(!has($r, qr/^\[endless\] # vmm endless: guest exited/), 'it never finished');
    ok(has($r, qr/^ok \d+ - root PD torn down: every page returned/),
       'every page came back once the root task ended (VMs, VMMs and UART servers included)');
};
done_testing();
