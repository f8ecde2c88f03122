#!/usr/bin/perl
# Bochs, corei7_icelake_u with 2 CPUs, booting the GRUB ISO (Multiboot2),
# with apic=xapic timer=lapic so the xAPIC MMIO and LAPIC-timer paths run
# under Bochs too (skylake covers x2APIC and TSC-deadline); every system
# module boots, so the multi-PD suite (fuzz's 1,000,000 calls included)
# runs on these paths as well, with the same checks as servers.t. With
# no1g and 3 GiB of RAM: hv hides 1 GiB pages, so a 1 GiB block into a VM
# is ENOTSUP and the root's own 1 GiB block is mapped with 2 MiB pages
# (bochs-skylake.t runs the 1 GiB pages themselves).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $r = bochs_boot_test('bochs-icelake', 'corei7_icelake_u', args => 'apic=xapic timer=lapic no1g',
                        apic => 'xapic', timer => 'lapic', servers => 1, megs => 3072);
my @s = @{ $r->{serial} };
ok((grep { /^ok \d+ - vmx: a 1 GiB share of nothing into a VM: ENOTSUP/ } @s),
   'no1g: a 1 GiB block into a VM is refused with ENOTSUP');
my @own = grep { /^ok \d+ - vmx: (the root reads and writes both ends of its 1 GiB block|the 1 GiB block unmapped whole|the root's 1 GiB block stays out of VMs)/ } @s;
ok(@own == 3 && !grep({ /1 GiB.*# SKIP/ } @s),
   'no1g: the root\'s own 1 GiB block works with 2 MiB pages (' . scalar(@own) . ' of 3 results)');
done_testing();
