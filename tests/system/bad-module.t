#!/usr/bin/perl
# Corrupt root tasks: the kernel must reject each with a message naming the
# module, survive, and end cleanly with "# bulkhead: end" (no panic, no
# triple fault: QEMU's -no-reboot would end the run without the marker).
use strict;
use warnings;
use File::Path qw(make_path);
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

my $dir = setup('bad-module');
open my $fh, '<:raw', $ROOT_ELF or die "$ROOT_ELF: $!";
my $elf = do { local $/; <$fh> };
close $fh;

my %corrupt = (
    'short'     => sub { substr($_[0], 0, 40) },                 # not even a header
    'magic'     => sub { my $e = $_[0]; substr($e, 1, 3) = 'ELG'; $e },
    'phnum'     => sub { my $e = $_[0]; substr($e, 56, 2) = pack('v', 0xffff); $e },
    'truncated' => \&cut_in_segment,                             # ends inside PT_LOAD
);
# The file cut in the middle of the loadable segment that ends last, so
# a segment's bytes run past the end of the module (cutting off only the
# section headers or symbols would leave a valid executable).
sub cut_in_segment {
    my ($e) = @_;
    my ($phoff, $phentsize, $phnum) = (unpack('Q<', substr($e, 32, 8)),
        unpack('v', substr($e, 54, 2)), unpack('v', substr($e, 56, 2)));
    my ($end, $cut) = (0, 0);
    for my $k (0 .. $phnum - 1) {
        my $ph = substr($e, $phoff + $k * $phentsize, $phentsize);
        my ($type, $off, $filesz) = (unpack('V', $ph), unpack('Q<', substr($ph, 8, 8)),
                                     unpack('Q<', substr($ph, 32, 8)));
        next unless $type == 1 && $filesz > 0;                  # PT_LOAD
        ($end, $cut) = ($off + $filesz, $off + int($filesz / 2)) if $off + $filesz > $end;
    }
    die "$ROOT_ELF has no loadable bytes" unless $end;
    return substr($e, 0, $cut);
}

for my $kind (sort keys %corrupt) {
    my $sub = "$dir/$kind";
    make_path($sub);
    my $file = "$sub/root.elf";           # named like the real root task
    open my $o, '>:raw', $file or die "$file: $!";
    print $o $corrupt{$kind}->($elf);
    close $o;
    my $r = run_qemu(tag => $kind, timeout => 120, args => [
        '-nic', 'none', '-kernel', $HV,
        '-append', 'serial=0x3f8,115200 exit=poweroff', '-initrd', "$file kind=$kind"]);
    my $ok = subtest "corrupt root task ($kind)" => sub {
        ok(!$r->{timed_out}, sprintf 'emulator ended by itself (%.1f s)', $r->{elapsed});
        ok((grep { !/^# module \d+:/ && /module.*(invalid|rejected|malformed|corrupt)/i && /root\.elf/ }
            @{ $r->{serial} }), 'kernel names root.elf as invalid/rejected/malformed');
        ok(!grep(/^PANIC/, @{ $r->{serial} }), 'no kernel panic');
        ok((grep { /^# bulkhead: end\s*$/ } @{ $r->{serial} }), 'ends with "# bulkhead: end"');
        ok(!grep(/^not ok\b/, @{ $r->{serial} }), 'no failing kernel test');
    };
    dump_serial($r) unless $ok;
}
done_testing();
