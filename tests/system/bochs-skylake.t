#!/usr/bin/perl
# Bochs, corei7_skylake_x with 2 CPUs, booting the GRUB ISO (Multiboot2).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

bochs_boot_test('bochs-skylake', 'corei7_skylake_x', apic => 'x2apic', timer => 'tsc-deadline');
done_testing();
