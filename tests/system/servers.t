#!/usr/bin/perl
# The root task as a real root task: boots every module (root.elf with
# `servers`, bulkhead.dtb, the test servers of servers/) by QEMU -kernel
# and by a GRUB ISO, and checks the multi-PD tests (root/t_servers.c):
# servers started in their own PDs from the measured configuration, the
# hash-mismatch entry refused, crasher restarted, fuzz's 1,000,000 calls.
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

my $r = run_qemu(tag => 'kernel', timeout => 120, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods) ]);
check_kernel_tap($r, label => 'qemu -kernel');
check_boot($r, proto => 'mb1', cmdline => $cmdline, modules => $want);
check_servers($r, 'qemu -kernel');

my $iso = make_iso(cmdline => $cmdline, modules => \@mods);
$r = run_qemu(tag => 'grub', timeout => 180, args => ['-nic', 'none', '-cdrom', $iso, '-boot', 'd']);
check_kernel_tap($r, label => 'qemu grub');
check_boot($r, proto => 'mb2', cmdline => $cmdline, modules => $want);
check_servers($r, 'qemu grub');
done_testing();
