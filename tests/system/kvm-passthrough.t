#!/usr/bin/perl
# PCI passthrough (boot/passthrough.dts) where VT-x and VT-d meet: QEMU +
# KVM with nested VT-x and QEMU's intel-iommu with interrupt remapping
# (the split irqchip it needs under KVM) and caching mode, an NVMe at
# 00:04.0 backed by a raw image this test creates. The PCI server hands
# the function to the VMM, which assigns it to its VM, mirrors guest RAM
# into the VM's DMA space at IOVA = GPA, shares BAR0 into the guest
# uncached and presents the configuration space and MSI-X (vmm/passthru.c).
# The test guest runs its default tests and `passthrough`: it finds the
# controller through 0xcf8/0xcfc, places BAR0, builds its admin queues in
# its own RAM, issues Identify and takes the MSI-X interrupt as the vector
# it programmed. Checked: the guest's TAP (model "QEMU NVMe Ctrl", the
# interrupt), the VMM's passthrough report (host messages injected, no DMA
# fault), hv's TAP.
#
# Skips, saying why, where this cannot run: without usable nested VT-x
# (scripts/kvm-probe.sh decides; Bochs has VT-x but no VT-d, QEMU TCG
# VT-d but no VT-x), or without QEMU's intel-iommu or nvme device.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use File::Temp qw(tempdir);
use Test::More;

my $why = `"$FindBin::Bin/../../scripts/kvm-probe.sh"`;
if ($? != 0) {
    chomp $why;
    plan skip_all => 'no usable nested VT-x here: ' . ($why || 'the KVM probe failed') .
        ' (passthrough needs VT-x and VT-d together: QEMU/KVM with intel-iommu, or real hardware)';
}
my $devs = `qemu-system-x86_64 -device help 2>&1`;
for my $d (qw(intel-iommu nvme)) {
    plan skip_all => "this QEMU has no $d device" unless $devs =~ /name "\Q$d\E"/;
}

my $DTB = 'build/boot/passthrough.dtb';
my $PCI = 'build/drivers/pci.elf';
setup('kvm-passthrough', need => [$ROOT_ELF, $DTB, $PCI, @VM_FILES]);
my $dir = tempdir('bulkhead-pt-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $img = "$dir/nvme.img";
open my $fh, '>', $img or die "$img: $!";
binmode $fh;
print $fh "\0" x (1 << 20);
close $fh;

my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my @mods = ([$ROOT_ELF, "servers config=passthrough.dtb rootarg=$tok"], [$DTB, ''], [$PCI, ''],
            map { [$_, ''] } @VM_FILES);
my $r = run_qemu(timeout => 180,
    base => ['-enable-kvm', '-cpu', 'host', '-M', 'q35,kernel-irqchip=split',
             '-device', 'intel-iommu,intremap=on,caching-mode=on', '-smp', '2', '-m', '512M',
             '-display', 'none', '-no-reboot', '-monitor', 'none'],
    args => ['-nic', 'none', '-drive', "file=$img,if=none,id=nv0,format=raw",
             '-device', 'nvme,drive=nv0,serial=bulkhead-pt,addr=0x4',
             '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods)]);
check_kernel_tap($r, label => 'kvm passthrough');
check_boot($r, vmx => 1, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline, cpus => '2/2',
           modules => [ map { { file => $_->[0], args => $_->[1] } } @mods ]);
my @s = @{ $r->{serial} };
my $has = sub { my ($re) = @_; return scalar grep { /$re/ } @s };

ok($has->(qr/# vmm vm: passthrough 00:04\.0 \(1b36:0010, class 010802\) as 00:01\.0; DMA space mirrors 4 MiB of guest RAM at IOVA = GPA; MSI-X: \d+ of \d+ entries/),
   'the VMM got 00:04.0 from the PCI server, assigned it and mirrored guest RAM');
ok($has->(qr/# vmm vm: passthrough BAR0: \d+ KiB, 64-bit, guest 0x[0-9a-f]+/), 'BAR0 presented to the guest');
my $g = check_guest($r, 'vm', label => 'vm: TAP through its UART server (KVM, passthrough)');
my %res = %{ $g->{results} };
my @want = (
    qr/^passthrough: an NVMe controller on bus 0 through 0xcf8\/0xcfc, BAR0 \d+ KiB placed at 0xe0000000$/,
    qr/^passthrough: the controller is ready \(CSTS\.RDY\) with its admin queues in guest RAM; MSI-X programmed$/,
    qr/^passthrough: Identify Controller completed through the admin queue in guest RAM/,
    qr/^passthrough: the device's DMA landed in guest RAM at IOVA = GPA 0x202000: model "QEMU NVMe Ctrl", serial "bulkhead-pt"$/,
    qr/^passthrough: MSI-X entry 0 arrived as vector 0x50 \(\d+ interrupt\(s\)\)$/,
);
for my $re (@want) {
    my @hit = grep { /$re/ } keys %res;
    ok(@hit == 1 && $res{ $hit[0] }, "guest: $re");
}
ok($has->(qr/^\[[a-z0-9_-]+\] # vmm vm: guest exited with status 0$/), 'the VMM reports exit status 0');
my ($msgs, $inj, $faults) =
    map { /# vmm vm: passthrough: (\d+) host messages, (\d+) interrupts injected, \d+ held or dropped; DMA faults: (\d+)/ ? ($1, $2, $3) : () } @s;
ok(defined $msgs && $msgs >= 1 && $inj >= 1, 'the device\'s MSI-X reached the VMM and went into the guest (' .
   ($msgs // '?') . ' host messages, ' . ($inj // '?') . ' injected)');
is($faults // -1, 0, 'no DMA fault from the passed-through device');
ok(!$has->(qr/vtd: fault: dev 00:04\.0/), 'hv logged no fault for 00:04.0');
done_testing();
