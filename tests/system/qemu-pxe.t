#!/usr/bin/perl
# Boot path 3: PXE through QEMU's iPXE option ROM (e1000) and the user-mode
# network's TFTP server. iPXE loads hv.bin with Multiboot v1 and puts the
# full URI first in each string; the kernel strips it.
use strict;
use warnings;
use File::Copy qw(copy);
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $dir = setup('qemu-pxe');
my $tftp = "$dir/tftp";
mkdir $tftp or die "$tftp: $!";
copy($HV, "$tftp/hv.bin") or die "copy: $!";
copy($ROOT_ELF, "$tftp/root.elf") or die "copy: $!";

my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my $margs = "rootarg=$tok";
open my $in, '<', 'boot/boot.ipxe.in' or die "boot/boot.ipxe.in: $!";
my $script = do { local $/; <$in> };
$script =~ s/\@CMDLINE\@/$cmdline/g;
$script =~ s/\@MODULES\@/module tftp:\/\/10.0.2.2\/root.elf $margs/g;
open my $out, '>', "$tftp/boot.ipxe" or die "$tftp/boot.ipxe: $!";
print $out $script;
close $out;

# 300 s: the in-system suite takes seconds, but its cross-CPU handshakes
# (t_ipc's stress, t_tlb) were seen to take up to 115 s in all when QEMU's
# vCPU threads compete with other work for the host's cores.
my $r = run_qemu(timeout => 300, args => [
    '-netdev', "user,id=n,tftp=$tftp,bootfile=boot.ipxe",
    '-device', 'e1000,netdev=n', '-boot', 'n' ]);
check_kernel_tap($r);
check_boot($r, vmx => 0, proto => 'mb1', loader => qr/ipxe/i, cmdline => $cmdline,
           cpus => '2/2', modules => [{ file => $ROOT_ELF, args => $margs }]);
done_testing();
