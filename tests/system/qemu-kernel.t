#!/usr/bin/perl
# Boot path 1: QEMU TCG `-kernel` (Multiboot v1, a.out kludge) on q35 with
# the Intel IOMMU and 2 CPUs. Checks the boot report against the host:
# protocol, loader, command line, root-task module bytes and args, CPU count.
# Then the root task's suite once more on a CPU without FSGSBASE.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('qemu-kernel');
my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my $margs = "rootarg=$tok";
# 300 s: the in-system suite takes seconds, but its cross-CPU handshakes
# (t_ipc's stress, t_tlb) were seen to take up to 115 s in all when QEMU's
# vCPU threads compete with other work for the host's cores.
my $r = run_qemu(timeout => 300, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline,
    '-initrd', "$ROOT_ELF $margs" ]);
check_kernel_tap($r);
check_boot($r, vmx => 0, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline,
           cpus => '2/2', modules => [{ file => $ROOT_ELF, args => $margs }]);

# The same suite on a CPU without FSGSBASE: the assembler IPC fast path
# needs it, so every call and reply takes hv's C paths (fastpath.c,
# ipc.c), and FS and GS bases are switched through their MSRs.
my @base = map { $_ eq 'max' ? 'max,-fsgsbase' : $_ } qemu_base();
my $r2 = run_qemu(tag => 'no-fsgsbase', timeout => 300, base => \@base, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline,
    '-initrd', "$ROOT_ELF $margs" ]);
ok(grep(/^# paging: .*fsgsbase off/, @{ $r2->{serial} }),
   'no-fsgsbase: hv runs without FSGSBASE (the C fast paths)');
check_kernel_tap($r2, label => 'no-fsgsbase');
done_testing();
