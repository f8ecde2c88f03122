#!/usr/bin/perl
# No boot modules at all: the kernel says it has no root task and ends
# cleanly (a triple fault would end QEMU, -no-reboot, without the marker).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('no-root', need => []);
my $r = run_qemu(timeout => 120, args => [
    '-nic', 'none', '-kernel', $HV, '-append', 'serial=0x3f8,115200 exit=poweroff']);
my @s = @{ $r->{serial} };
ok(!$r->{timed_out}, sprintf 'emulator ended by itself (%.1f s)', $r->{elapsed});
ok((grep { /no root task/i } @s), 'kernel reports that there is no root task');
is(scalar @{ boot_info($r)->{modules} }, 0, 'kernel saw no modules');
ok(!grep(/^PANIC/, @s), 'no kernel panic');
ok(!grep(/^not ok\b/, @s), 'no failing kernel test');
ok((grep { /^# bulkhead: end\s*$/ } @s), 'ends with "# bulkhead: end"');
done_testing();
