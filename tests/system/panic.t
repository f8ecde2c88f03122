#!/usr/bin/perl
# test=fault makes the kernel fault on purpose: the panic path must print
# PANIC with the exception's name, then "# bulkhead: panic", and power off.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('panic');
my $r = run_qemu(timeout => 120, args => [
    '-nic', 'none', '-kernel', $HV, '-append', 'serial=0x3f8,115200 test=fault exit=poweroff',
    '-initrd', $ROOT_ELF]);
my @s = @{ $r->{serial} };
my ($first) = grep { $s[$_] =~ /^PANIC/ } 0 .. $#s;
ok(defined $first, 'serial shows a line starting with PANIC');
my $vectors = qr/\#(DE|DB|BP|OF|BR|UD|NM|DF|TS|NP|SS|GP|PF|MF|AC|MC|XM|VE|CP)\b|divide|debug|breakpoint|overflow|bound|invalid opcode|device not available|double fault|invalid TSS|segment not present|stack.segment|general protection|page fault|alignment check|machine check|SIMD/i;
ok(defined $first && (grep { /$vectors/ } @s[$first .. $#s]), 'the panic names the exception vector');
ok((grep { /^# bulkhead: panic\s*$/ } @s), 'serial shows "# bulkhead: panic"');
ok(!grep(/^# bulkhead: end\s*$/, @s), 'no "# bulkhead: end" after a panic');
ok(!$r->{timed_out}, sprintf 'emulator exited by itself before the timeout (%.1f s)', $r->{elapsed});
done_testing();
