#!/usr/bin/perl
# Bochs, corei7_sandy_bridge_2600k with 2 CPUs, booting the GRUB ISO with
# the root task's suite only: a CPU with VT-x (EPT with 2 MiB pages, VPID,
# unrestricted guest) but without FSGSBASE. So every IPC call and reply,
# and every reply of a VMM to a VM exit, takes hv's C paths (fastpath.c,
# ipc.c, the C switch), FS and GS bases switch through their MSRs, and
# the VMX tests run on them; the other Bochs models all have FSGSBASE and
# take the assembler paths (fastpath.asm).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $r = bochs_boot_test('bochs-sandybridge', 'corei7_sandy_bridge_2600k', apic => 'xapic',
                        timer => 'tsc-deadline', vmx => '2m');
my @s = @{ $r->{serial} };
ok((grep { /^# paging: .*fsgsbase off$/ } @s), 'hv reports fsgsbase off, so the C paths run');
my @vmx = grep { /^ok \d+ - vmx: .*(guest|exit)/ } @s;
ok(@vmx >= 20, 'the VMX guest tests ran on them (' . scalar(@vmx) . ' results)');
ok((grep { /^ok \d+ - # SKIP segbase: no FSGSBASE/ } @s),
   'user code cannot set its own bases here, and the root task says so');
done_testing();
