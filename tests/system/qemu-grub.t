#!/usr/bin/perl
# Boot path 2: a BIOS GRUB 2 ISO (grub-mkrescue) booted by QEMU TCG from
# CD-ROM; GRUB loads hv.bin with Multiboot2 and passes only the arguments.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('qemu-grub');
my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my $margs = "rootarg=$tok";
my $iso = make_iso(cmdline => $cmdline, modules => [[$ROOT_ELF, $margs]]);
# 300 s: the in-system suite takes seconds, but its cross-CPU handshakes
# (t_ipc's stress, t_tlb) were seen to take up to 115 s in all when QEMU's
# vCPU threads compete with other work for the host's cores.
my $r = run_qemu(timeout => 300, args => ['-nic', 'none', '-cdrom', $iso, '-boot', 'd']);
check_kernel_tap($r);
check_boot($r, vmx => 0, proto => 'mb2', loader => qr/grub/i, cmdline => $cmdline,
           cpus => '2/2', modules => [{ file => $ROOT_ELF, args => $margs }]);
done_testing();
