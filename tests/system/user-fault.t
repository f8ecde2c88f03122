#!/usr/bin/perl
# A root task that faults in ring 3 (#GP from CLI without rights,
# #PF on a kernel address): hv reports the exception, kills the EC, tears
# the root PD down with every page returned, and ends cleanly.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('user-fault');
for my $case ([gp => qr/#GP general protection/], [kernel => qr/#PF page fault/]) {
    my ($kind, $what) = @$case;
    my $r = run_qemu(tag => "user-fault-$kind", timeout => 120, args => [
        '-nic', 'none', '-kernel', $HV, '-append', 'serial=0x3f8,115200 exit=poweroff',
        '-initrd', "$ROOT_ELF fault=$kind"]);
    my @s = @{ $r->{serial} };
    subtest "root task faults with $kind" => sub {
        ok(!$r->{timed_out}, 'emulator ended by itself');
        ok((grep { /^trap: vector \d+ .* in user mode/ } @s), 'exception report names user mode');
        ok((grep { /EC killed: .*$what/ } @s), 'the faulting EC is killed and the fault named');
        ok((grep { /^ok \d+ - root PD torn down: every page returned/ } @s),
           'root PD torn down with every page returned');
        ok(!(grep { /^PANIC/ } @s), 'no kernel panic');
        ok((grep { /^# bulkhead: end/ } @s), 'system ended cleanly');
    } or dump_serial($r);
}
done_testing();
