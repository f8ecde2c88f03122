#!/usr/bin/perl
# The VM configuration (boot/vms.dts) under QEMU + KVM with nested VT-x,
# the users' platform: both guests run their default tests under their
# VMMs and end with status 0. Skips, saying why, where KVM cannot run
# nested VT-x guests (scripts/kvm-probe.sh decides), as on the CI machines.
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
setup('kvm-vmm', need => [$ROOT_ELF, 'build/boot/vms.dtb', @VM_FILES]);
my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my @mods = vm_modules('vms.dtb', "rootarg=$tok");
my $r = run_qemu(timeout => 120,
    base => ['-enable-kvm', '-cpu', 'host', '-M', 'q35,kernel-irqchip=split',
             '-device', 'intel-iommu,intremap=on', '-smp', '2', '-m', '512M',
             '-display', 'none', '-no-reboot', '-monitor', 'none'],
    args => ['-nic', 'none', '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods)]);
check_kernel_tap($r);
check_boot($r, vmx => 1, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline, cpus => '2/2',
           modules => [ map { { file => $_->[0], args => $_->[1] } } @mods ]);
for my $vm (qw(vm1 vm2)) {
    my $g = check_guest($r, $vm, label => "$vm: TAP through its UART server (KVM)");
    ok((grep { /^\[\Q$vm\E\] # vmm \Q$vm\E: guest exited with status 0$/ } @{ $r->{serial} }),
       "$vm: the VMM reports exit status 0");
}
done_testing();
