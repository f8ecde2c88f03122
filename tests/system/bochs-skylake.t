#!/usr/bin/perl
# Bochs, corei7_skylake_x with 2 CPUs, booting the GRUB ISO (Multiboot2)
# with every system module (root.elf `servers`, bulkhead.dtb, the servers):
# the kernel's tests and the multi-PD suite (cross-PD IPC, faults,
# restart, measured start, quotas, fuzz's 1,000,000 calls) with the same
# checks as servers.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

bochs_boot_test('bochs-skylake', 'corei7_skylake_x', apic => 'x2apic', timer => 'tsc-deadline',
                servers => 1);
done_testing();
