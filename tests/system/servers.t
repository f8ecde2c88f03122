#!/usr/bin/perl
# The root task as a real root task: boots every module (root.elf with
# `servers`, bulkhead.dtb, the test servers of servers/) by QEMU -kernel
# and by a GRUB ISO, and checks the multi-PD tests (root/t_servers.c):
# servers started in their own PDs from the measured configuration, the
# hash-mismatch entry refused, crasher restarted, fuzz's 1,000,000 calls;
# and the interrupt lines the configuration grants (check_irqs below).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('servers', need => [$ROOT_ELF, $BOOT_DTB, @SERVER_ELFS]);

# The configured interrupt lines (root/servers.c, root/t_servers.c): io
# takes the PIT's interrupts on GSI 2, granted by its `irqs`, before and
# after a restart; io-noirq, the same program without `irqs`, gets ECAP;
# after io's death the line no longer reaches the dead PD; badirq, with a
# GSI the root does not hold, is refused. The results must be there, and
# pass (check_kernel_tap fails on any `not ok`).
sub check_irqs {
    my ($r, $label) = @_;
    my @s = @{ $r->{serial} };
    my $has = sub { my ($re) = @_; return scalar grep { /$re/ } @s };
    subtest "$label: interrupt lines" => sub {
        ok($has->(qr/^\[root\.elf\] # server io-noirq: started \(pd sel \d+\)$/),
           'io-noirq started in its own PD');
        ok($has->(qr/^\[root\.elf\] # server badirq: refused: irq 200: the root task holds no interrupt line for GSI 200 /),
           'badirq refused: the root holds no line for GSI 200');
        ok($has->(qr/^ok \d+ - servers: a server configured with a GSI the root task does not hold \(200\) is refused/),
           'the refusal is a passing result');
        ok($has->(qr/^ok \d+ - servers: io binds GSI 2 \(granted at its selector 8\) .* takes 5 PIT interrupts/),
           'io binds its granted line and takes 5 PIT interrupts');
        ok($has->(qr/^ok \d+ - servers: io-noirq, without irqs, .* gets ECAP binding selector 8/),
           'io-noirq gets ECAP for the selector');
        ok($has->(qr/^ok \d+ - servers: after io's death GSI 2 interrupts the root's semaphore/),
           "after io's death the line no longer reaches the dead PD");
        ok($has->(qr/^ok \d+ - servers: the restarted io was granted GSI 2 again and takes 5 interrupts/),
           'the restarted io holds the line again');
    };
}
# Clients of a restarted server (root/servers.c, regrant_clients):
# io-noirq's configuration names crasher with badge 7; when crasher is
# restarted the root makes a new badged portal to the new instance,
# delegates it again at the configured selector, and the old one is gone.
sub check_regrant {
    my ($r, $label) = @_;
    my @s = @{ $r->{serial} };
    my $has = sub { my ($re) = @_; return scalar grep { /$re/ } @s };
    subtest "$label: clients of a restarted server" => sub {
        is($has->(qr/^\[root\.elf\] # server io-noirq: capability 'crasher' \(sel 40\) delegated again, to the restarted crasher \(status 0\)$/),
           1, "io-noirq's configured cap to crasher delegated again, once");
        is($has->(qr/delegated again/), 1, 'no other capability delegated again');
        ok($has->(qr/^ok \d+ - servers: io-noirq's badged portal to crasher \(client 7\) was made again for the restarted crasher \(client 7 through it\), the old one is gone$/),
           'a new badged portal to the new crasher, the old one revoked');
    };
}

my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my @mods = system_modules("servers rootarg=$tok");
my $want = [ map { { file => $_->[0], args => $_->[1] } } @mods ];

my $r = run_qemu(tag => 'kernel', timeout => 300, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods) ]);
check_kernel_tap($r, label => 'qemu -kernel');
check_boot($r, proto => 'mb1', cmdline => $cmdline, modules => $want);
check_servers($r, 'qemu -kernel');
check_irqs($r, 'qemu -kernel');
check_regrant($r, 'qemu -kernel');

my $iso = make_iso(cmdline => $cmdline, modules => \@mods);
$r = run_qemu(tag => 'grub', timeout => 300, args => ['-nic', 'none', '-cdrom', $iso, '-boot', 'd']);
check_kernel_tap($r, label => 'qemu grub');
check_boot($r, proto => 'mb2', cmdline => $cmdline, modules => $want);
check_servers($r, 'qemu grub');
check_irqs($r, 'qemu grub');
check_regrant($r, 'qemu grub');
done_testing();
