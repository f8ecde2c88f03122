#!/usr/bin/perl
# QEMU + KVM with nested VT-x (users' machines): hv.bin via -kernel on q35
# with the split irqchip and interrupt remapping. Skips, saying why, where
# KVM cannot run nested VT-x guests (scripts/kvm-probe.sh decides).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $why = `"$FindBin::Bin/../../scripts/kvm-probe.sh"`;
if ($? != 0) {
    chomp $why;
    plan skip_all => $why || 'KVM probe failed';
}
setup('kvm-nested');
my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my $margs = "rootarg=$tok";
my $r = run_qemu(timeout => 120,
    base => ['-enable-kvm', '-cpu', 'host', '-M', 'q35,kernel-irqchip=split',
             '-device', 'intel-iommu,intremap=on', '-smp', '2', '-m', '512M',
             '-display', 'none', '-no-reboot', '-monitor', 'none'],
    args => ['-nic', 'none', '-kernel', $HV, '-append', $cmdline,
             '-initrd', "$ROOT_ELF $margs"]);
check_kernel_tap($r);
check_boot($r, vmx => 1, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline,
           cpus => '2/2', modules => [{ file => $ROOT_ELF, args => $margs }]);
done_testing();
