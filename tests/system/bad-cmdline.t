#!/usr/bin/perl
# A command line full of mistakes: a bad baud rate, a non-numeric smp=, an
# unknown option and an empty test=. The kernel must say so and boot on.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('bad-cmdline');
my $cmdline = 'serial=0x3f8,7 smp=abc exit=poweroff bogus=1 test=';
my $r = run_qemu(timeout => 180, args => [
    '-nic', 'none', '-kernel', $HV, '-append', $cmdline, '-initrd', $ROOT_ELF]);
my @s = @{ $r->{serial} };
ok((grep { /cmdline/i && !/^# cmdline: / } @s), 'kernel prints command-line diagnostics');
ok((grep { /bogus/ } @s), 'the unknown option is named');
check_kernel_tap($r);
check_boot($r, cmdline => $cmdline, modules => [{ file => $ROOT_ELF, args => '' }]);
done_testing();
