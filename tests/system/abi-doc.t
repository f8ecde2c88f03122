#!/usr/bin/perl
# docs/abi.md must stay in lockstep with include/bulkhead/abi.h: every
# BH_ name the header defines is described, and every system call's
# number in the doc's table is the number the header gives it.
use strict;
use warnings;
use FindBin;
use Test::More;

my $root = "$FindBin::Bin/../..";
sub slurp { my ($f) = @_; open my $h, '<', $f or die "$f: $!"; local $/; return <$h> }
my $hdr = slurp("$root/include/bulkhead/abi.h");
my $doc = slurp("$root/docs/abi.md");

my %names;
$names{$1} = 1 while $hdr =~ /#define\s+(BH_[A-Z0-9_]+)/g;
$names{$1} = 1 while $hdr =~ /^\s+(BH_[A-Z0-9_]+)\s*(?:=|,|$)/mg;
ok(scalar keys %names > 50, 'found the header\'s names (' . scalar(keys %names) . ')');
my @missing = grep { $doc !~ /\b\Q$_\E\b/ } sort keys %names;
ok(!@missing, 'every BH_ name of abi.h is described in abi.md')
    or diag("missing: @missing");

my %nr;
$nr{$1} = $2 while $hdr =~ /(BH_SYS_[A-Z_]+)\s*=\s*(\d+)/g;
ok(scalar keys %nr >= 19, 'found the system calls (' . scalar(keys %nr) . ')');
for my $s (sort { $nr{$a} <=> $nr{$b} } keys %nr) {
    like($doc, qr/^\|\s*$nr{$s}\s*\|\s*`\Q$s\E`/m, "abi.md lists $s as number $nr{$s}");
}
done_testing();
