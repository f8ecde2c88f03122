#!/usr/bin/perl
# The VM configuration (boot/vms.dts) where there is no VMX: QEMU TCG
# `-kernel`. The root task starts both UART servers and both VMMs from the
# measured configuration and supervises them; each VMM must say that it
# cannot run guests and end cleanly, the supervision must end at once, and
# the rest of the system must carry on to a clean end. A second boot does
# the same with the passthrough configuration (boot/passthrough.dts) and
# an NVMe at 00:04.0: the root accepts it (digests, the VMM's badged PCI
# portal), the PCI server and the VMM start, and the VMM, without VMX,
# ends before it asks for the device. (Passthrough itself needs VT-x and
# VT-d together: kvm-passthrough.t.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('qemu-vmm', need => [$ROOT_ELF, 'build/boot/vms.dtb', 'build/boot/passthrough.dtb',
                           'build/drivers/pci.elf', @VM_FILES]);
my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my @mods = vm_modules('vms.dtb', "rootarg=$tok");
my $r = run_qemu(timeout => 180, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods) ]);
check_kernel_tap($r);
check_boot($r, vmx => 0, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline, cpus => '2/2',
           modules => [ map { { file => $_->[0], args => $_->[1] } } @mods ]);
my @s = @{ $r->{serial} };
my $has = sub { my ($re) = @_; return scalar grep { /$re/ } @s };
subtest 'without VMX the VMMs say so and end cleanly' => sub {
    for my $vm (qw(vm1 vm2)) {
        ok($has->(qr/^\[root\.elf\] # server \Q$vm\E-uart: started \(pd sel \d+\)$/), "$vm-uart started");
        ok($has->(qr/^\[root\.elf\] # server \Q$vm\E: started \(pd sel \d+\)$/), "$vm (the VMM) started");
        ok($has->(qr/^\[\Q$vm\E\] # vmm \Q$vm\E: cannot run guests: no VMX on this machine \(BH_PD_VM: status 8\); exiting$/),
           "$vm: cannot run guests, and says why");
        ok($has->(qr/^\[root\.elf\] # supervise: \Q$vm\E ended: exited$/), "$vm ended cleanly, not by a fault");
    }
    ok($has->(qr/^ok \d+ - supervise: every awaited server ended within \d+ ms \(0 of 2 still running\)$/),
       'the supervision ended');
    ok(!$has->(qr/^\[vm[12]-uart\] /), 'no guest output');
};

# The passthrough configuration without VMX.
my $PT = 'build/boot/passthrough.dtb';
$tok = token();
$cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
@mods = ([$ROOT_ELF, "servers config=passthrough.dtb rootarg=$tok"], [$PT, ''],
         ['build/drivers/pci.elf', ''], map { [$_, ''] } @VM_FILES);
my $dir = setup_dir();
$r = run_qemu(tag => 'passthrough', timeout => 180, args => [
    '-nic', 'none', '-drive', "file=$dir/nvme.img,if=none,id=nv0,format=raw",
    '-device', 'nvme,drive=nv0,serial=bulkhead-pt,addr=0x4',
    '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods) ]);
check_kernel_tap($r, label => 'qemu passthrough configuration');
@s = @{ $r->{serial} };
subtest 'the passthrough configuration without VMX: accepted, the VMM says why it stops' => sub {
    for my $srv (qw(pci vm-uart vm)) {
        ok($has->(qr/^\[root\.elf\] # server \Q$srv\E: started \(pd sel \d+\)$/), "$srv started");
    }
    ok($has->(qr/^\[vm\] # vmm vm: cannot run guests: no VMX on this machine \(BH_PD_VM: status 8\); exiting$/),
       'vm: cannot run guests, and says why');
    ok($has->(qr/^\[root\.elf\] # supervise: vm ended: exited$/), 'vm ended cleanly');
    ok(!$has->(qr/# server \S+: refused/), 'no server refused (digests and capabilities accepted)');
};
done_testing();

# A 1 MiB zeroed image for the NVMe, in this test's log directory.
sub setup_dir {
    my $d = 'build/test-logs/qemu-vmm';
    open my $fh, '>:raw', "$d/nvme.img" or die "$d/nvme.img: $!";
    print $fh "\0" x (1 << 20);
    close $fh or die "$d/nvme.img: $!";
    return $d;
}
