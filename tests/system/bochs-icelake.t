#!/usr/bin/perl
# Bochs, corei7_icelake_u with 2 CPUs, booting the GRUB ISO (Multiboot2),
# with apic=xapic timer=lapic so the xAPIC MMIO and LAPIC-timer paths run
# under Bochs too (skylake covers x2APIC and TSC-deadline); every system
# module boots, so the multi-PD suite (fuzz's 1,000,000 calls included)
# runs on these paths as well, with the same checks as servers.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

bochs_boot_test('bochs-icelake', 'corei7_icelake_u',
                args => 'apic=xapic timer=lapic', apic => 'xapic', timer => 'lapic', servers => 1);
done_testing();
