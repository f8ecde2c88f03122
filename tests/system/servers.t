#!/usr/bin/perl
# The root task as a real root task: boots every module (root.elf with
# `servers`, bulkhead.dtb, the test servers of servers/) by QEMU -kernel
# and by a GRUB ISO, and checks the multi-PD tests (root/t_servers.c):
# servers started in their own PDs from the measured configuration, the
# hash-mismatch entry refused, crasher restarted, fuzz's 1,000,000 calls.
# If the kernel lacks what the loader needs, the root says SKIP and so do
# the server checks here.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('servers', need => [$ROOT_ELF, $BOOT_DTB, @SERVER_ELFS]);
my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my @mods = system_modules("servers rootarg=$tok");
my $want = [ map { { file => $_->[0], args => $_->[1] } } @mods ];

sub check_servers {
    my ($r, $label) = @_;
    my @s = @{ $r->{serial} };
    subtest "$label: servers" => sub {
        if (my ($why) = map { /^ok \d+ - servers: # SKIP (.*)/ ? $1 : () } @s) {
            plan skip_all => "root task skipped the server tests: $why";
        }
        for my $name (qw(echo crasher pager sharer quota fuzz)) {
            ok((grep { /^\[root\.elf\] # server \Q$name\E: started \(pd sel \d+\)$/ } @s),
               "$name started in its own PD");
        }
        ok((grep { /^\[root\.elf\] # server badhash: refused: .*sha256 mismatch/ } @s),
           'badhash refused with a sha256 mismatch');
        ok((grep { /^\[root\.elf\] # server crasher: died, restarting \(1\/2\)$/ } @s),
           'crasher died and was restarted');
        ok((grep { /^ok \d+ - servers: fuzz made 1000000 random system calls/ } @s),
           'fuzz made 1,000,000 system calls');
        ok((grep { /^ok \d+ - servers: echo answered all \d+ calls made meanwhile \(0 bad\)/ } @s),
           'echo kept answering meanwhile');
    };
}

my $r = run_qemu(tag => 'kernel', timeout => 60, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods) ]);
check_kernel_tap($r, label => 'qemu -kernel');
check_boot($r, proto => 'mb1', cmdline => $cmdline, modules => $want);
check_servers($r, 'qemu -kernel');

my $iso = make_iso(cmdline => $cmdline, modules => \@mods);
$r = run_qemu(tag => 'grub', timeout => 90, args => ['-nic', 'none', '-cdrom', $iso, '-boot', 'd']);
check_kernel_tap($r, label => 'qemu grub');
check_boot($r, proto => 'mb2', cmdline => $cmdline, modules => $want);
check_servers($r, 'qemu grub');
done_testing();
