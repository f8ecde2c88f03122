#!/usr/bin/perl
# Bochs, corei7_skylake_x with 2 CPUs, booting the GRUB ISO (Multiboot2)
# with every system module (root.elf `servers`, bulkhead.dtb, the servers):
# the kernel's tests and the multi-PD suite (cross-PD IPC, faults,
# restart, measured start, quotas, fuzz's 1,000,000 calls) with the same
# checks as servers.t. 3 GiB of RAM, so that a 1 GiB-aligned gigabyte is
# free for the 1 GiB page tests of root/t_vmx.c, which must run here (with
# less RAM, as in bochs-icelake.t, they report a skip).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $r = bochs_boot_test('bochs-skylake', 'corei7_skylake_x', apic => 'x2apic',
                        timer => 'tsc-deadline', servers => 1, megs => 3072);
my @huge = grep { /^(?:not )?ok \d+ - vmx: .*1 GiB/ } @{ $r->{serial} };
ok(@huge >= 10 && !grep({ /# SKIP/ } @huge),
   'the 1 GiB page tests ran (not skipped) with 3 GiB of RAM (' . scalar(@huge) . ' lines)');
ok((grep { /# vmx: the CPU has 1 GiB pages \(pdpe1gb\)/ } @{ $r->{serial} }),
   'the CPU has pdpe1gb, so the root\'s 1 GiB block was one 1 GiB page in its own tables');
done_testing();
