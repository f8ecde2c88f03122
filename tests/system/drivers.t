#!/usr/bin/perl
# User-space drivers (boot/drivers.dts) in QEMU TCG: q35 with the IOMMU
# and interrupt remapping, an NVMe at 00:04.0 backed by a 1 MiB raw image
# this test creates, and an e1000e at 00:03.0 on QEMU's user network. The root task starts the PCI server, the NVMe driver
# and the block client from the measured configuration (no in-system
# suite) and supervises them until the client ends. Checked:
#   - pci enumerates, hands 00:04.0 to the driver's badged portal only,
#     and refuses the client (ERIGHTS, no capability);
#   - nvme maps BAR0 and its ECAM page through the DEV capability, brings
#     the controller up, identifies it and namespace 1, makes an I/O queue
#     pair, and its completions arrive as MSI-X through interrupt
#     remapping;
#   - its DMA aimed at an IOVA it never mapped, and at the kernel's load
#     address, is blocked and reported as a fault (and QEMU's log says
#     so), the block it aimed at stays intact;
#   - blkclient's blocks go through shared DMA-capable pages and read back
#     equal; malformed requests get their statuses;
#   - e1000e sends an ARP request and an ICMP echo for netclient to the
#     slirp gateway 10.0.2.2 and delivers the replies; its MSI-X arrives
#     through interrupt remapping;
#   - restart: blkclient makes nvme (started with test-crash=1) crash
#     after 4 more acknowledged writes, with the next write in flight; the
#     root sees the #PF, ends nvme and restarts it, and delegates
#     blkclient's `blk` capability again, to the new instance's portal;
#     the new instance gets 00:04.0 again from pci, finds the controller
#     left enabled and resets it (CC.EN=0, CSTS.RDY=0) before it assigns
#     the device to its own DMA space, and the IOVA where
#     the dead instance had the client's buffer is blocked (hv logs it);
#     blkclient reconnects (EABORT, then EBUSY or ECAP on the way), gets
#     EINVAL for a read before it shares its pages again, reads back every
#     acknowledged block intact, writes and reads again;
#   - afterwards the image holds exactly the client's and the driver's
#     patterns at their blocks.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use File::Temp qw(tempdir);
use Test::More;

my @DRIVERS = map { "build/drivers/$_.elf" } qw(pci nvme blkclient e1000e netclient);
my $DTB = 'build/boot/drivers.dtb';
setup('drivers', need => [$ROOT_ELF, $DTB, @DRIVERS]);

my $BLOCKS = 2048;               # 512-byte blocks: 1 MiB
my $dir = tempdir('bulkhead-drivers-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $img = "$dir/nvme.img";
open my $fh, '>', $img or die "$img: $!";
binmode $fh;
print $fh "\0" x (512 * $BLOCKS);
close $fh;

my $tok = token();
my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok";
my @mods = ([$ROOT_ELF, "servers nosuite config=drivers.dtb rootarg=$tok"], [$DTB, ''],
            map { [$_, ''] } @DRIVERS);
my $r = run_qemu(timeout => 180, args => [
    '-netdev', 'user,id=n0', '-device', 'e1000e,netdev=n0,addr=0x3',
    '-drive', "file=$img,if=none,id=nv0,format=raw",
    '-device', 'nvme,drive=nv0,serial=bulkhead0,addr=0x4',
    '-kernel', $HV, '-append', $cmdline, '-initrd', initrd_arg(@mods) ]);
check_kernel_tap($r, label => 'qemu drivers');
check_boot($r, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline, cpus => '2/2',
           modules => [ map { { file => $_->[0], args => $_->[1] } } @mods ]);
my @s = @{ $r->{serial} };
my $has = sub { my ($re) = @_; return scalar grep { /$re/ } @s };

# Results that must be there and pass (check_kernel_tap fails any `not ok`).
my @must = (
    qr/pci: \d+ functions enumerated through ECAM; 2 configured for clients, 0 missing/,
    qr/nvme: its ECAM page writable, without the configuration ports: ERIGHTS/,
    qr/nvme: a completion with a command id nobody sent is skipped as malformed \(1\), the command given up \(13\), and the next read completes \(0\)/,
    qr/nvme: a completion with a queue head beyond the ring is skipped as malformed \(1\), the command given up \(13\), and the next read completes \(0\)/,
    qr/nvme: the PCI server delegated 00:04\.0 \(1b36:0010, class 010802\)/,
    qr/nvme: BAR0 \(\d+ KiB mapped\) and the ECAM page mapped through the DEV capability/,
    qr/nvme: identify controller: model 'QEMU NVMe Ctrl', serial 'bulkhead0', \d+ namespace\(s\)/,
    qr/nvme: identify namespace 1: $BLOCKS blocks of 512 bytes/,
    qr/nvme: I\/O queue pair 1 created \(64 entries/,
    qr/nvme: block 2047 written from the driver's own DMA page/,
    qr/nvme: a read aimed at an IOVA the driver never mapped \(30000000\) is blocked by the IOMMU: fault reported \(reason \d+, write, source 00:04\.0\)/,
    qr/nvme: a read aimed at the kernel's physical load address \(200000\) is blocked by the IOMMU: fault reported \(reason \d+, write, source 00:04\.0\)/,
    qr/nvme: a write whose data is at an unmapped IOVA: the device's read is blocked and reported \(reason \d+, read\)/,
    qr/nvme: afterwards the device still works, the driver's page and block 2047 are intact \(0 bad words/,
    qr/nvme: (\d+) of \1 completions so far announced by MSI-X through IRTE \d+ \(\1 messages\)$/,
    qr/blk: the driver serves $BLOCKS blocks of 512 bytes, 16 per request/,
    qr/blk: 2 DMA-capable pages shared with the driver/,
    qr/blk: 8 of 8 writes of 8 blocks at 16\.\. read back equal/,
    qr/blk: blocks beyond the namespace \($BLOCKS, 2047\+2, ~0\): ERANGE/,
    qr/blk: more blocks than a request takes, or beyond the shared buffer: ERANGE/,
    qr/blk: zero blocks, a misaligned offset, an unknown op: EINVAL/,
    qr/blk: a second buffer: EEXIST/,
    qr/blk: the PCI server refuses a device to a client it has none for: ERIGHTS, no capability/,
    qr/blk: the driver will crash after 4 more acknowledged writes/,
    qr/blk: 4 of 4 writes at 256\.\. acknowledged, then the driver died during the next: EABORT/,
    qr/nvme: restart: the controller the dead instance left enabled \(CC [0-9a-f]+, CSTS [0-9a-f]+\) was reset by this one before it had a DMA space: CC\.EN=0, CSTS\.RDY=0 after \d+ ms \(0\)/,
    qr/nvme: a read aimed at the IOVA where the dead instance had its client's buffer \(20000000\) is blocked by the IOMMU: fault reported \(reason \d+, write, source 00:04\.0\)/,
    qr/blk: reconnected to the restarted driver after \d+ ms \(dead portal EABORT: (yes|no), empty selector ECAP: (yes|no), starting EBUSY: (yes|no); 0\)/,
    qr/blk: the new instance holds no buffer of ours: a read before ATTACH: EINVAL/,
    qr/blk: the same 2 pages shared again with the new instance/,
    qr/blk: every acknowledged block reads back intact through the restarted driver \(64 at 16\.\., 32 at 256\.\.: 0 and 0 bad words\)/,
    qr/blk: the restarted driver writes and reads again \(8 blocks at 296: 0 0\)/,
    qr/blk: after the restart, an unknown op, blocks beyond the namespace, a second buffer: EINVAL, ERANGE, EEXIST/,
    qr/blk: after the client took its pages back, a read \(-?\d+\) only makes the device fault: the driver still answers/,
    qr/e1000e: the PCI server delegated 00:03\.0 \(8086:10d3\)/,
    qr/e1000e: a cause raised through ICS arrives as MSI-X entry 0 through IRTE \d+/,
    qr/e1000e: up: MAC 52:54:00:12:34:56, link up/,
    qr/net: the driver is ready, MAC 52:54:00:12:34:56, link up/,
    qr/net: 5 DMA-capable frame pages shared with the driver/,
    qr/net: ARP: 10\.0\.2\.2 is at 52:55:0a:00:02:02/,
    qr/net: ICMP echo to 10\.0\.2\.2 answered with our id, sequence and payload/,
    qr/net: \d+ MSI-X messages reached the driver through interrupt remapping while it received \d+ frames/,
    qr/net: malformed requests \(short and long frames, bad timeouts, unknown op, a second page\) refused/,
    qr/net: after the client took its pages back, a send \(-?\d+\) only makes the device fault: the driver still answers/,
);

subtest 'drivers: pci server, NVMe driver, block client' => sub {
    for my $srv (qw(pci nvme blkclient e1000e netclient)) {
        ok($has->(qr/^\[root\.elf\] # server \Q$srv\E: started \(pd sel \d+\)$/), "$srv started");
    }
    ok($has->(qr/^\[pci\] # pci: 00:04\.0 1b36:0010 class 010802$/), 'pci found the NVMe');
    ok($has->(qr/^\[pci\] # pci: 00:04\.0 delegated to client 1$/), 'and delegated it to client 1');
    ok($has->(qr/^\[pci\] # pci: 00:03\.0 delegated to client 3$/), 'and the e1000e to client 3');
    ok(!$has->(qr/delegated to client 2/), 'nothing went to client 2');
    ok($has->(qr/^\[e1000e\] # e1000e: interrupts by MSI-X through interrupt remapping/),
       'e1000e takes interrupts by MSI-X, not the polling fallback');
    ok($has->(qr/^\[root\.elf\] # supervise: netclient ended: exited$/), 'netclient ended cleanly');
    ok($has->(qr/^\[nvme\] # nvme: completions by MSI-X through interrupt remapping/),
       'nvme takes completions by MSI-X, not the polling fallback');
    for my $re (@must) {
        ok($has->(qr/^ok \d+ - $re/), "passed: $re");
    }
    ok($has->(qr/^# vtd: fault: dev 00:04\.0 addr 30000000 reason \d+ .*write$/),
       'hv logged the blocked write to the unmapped IOVA');
    ok($has->(qr/^# vtd: fault: dev 00:04\.0 addr 200000 reason \d+ .*write$/),
       "hv logged the blocked write to the kernel's address");
    ok($has->(qr/^\[root\.elf\] # supervise: blkclient ended: exited$/), 'blkclient ended cleanly');
    ok($has->(qr/^# vtd: fault: dev 00:04\.0 addr 20000000 reason \d+ .*write(;.*)?$/) >= 2,
       "hv logged the NVMe's blocked writes to 20000000: the dead instance's buffer IOVA, and the client's revoked page");
    is($has->(qr/server nvme: .* ending it/), 1, 'the NVMe driver took one fault');
    ok($has->(qr/^\[root\.elf\] # server nvme: #PF \(error [0-9a-f]+\) at 0, rip [0-9a-f]+: ending it$/),
       'it is the test crash: a #PF at address 0, seen by the root as a failure');
    my ($crash) = grep { $s[$_] =~ /server nvme: #PF/ } 0 .. $#s;
    my @after = defined $crash ? @s[$crash .. $#s] : ();
    my $at = sub { my ($re) = @_; my ($i) = grep { $after[$_] =~ $re } 0 .. $#after; return $i // -1 };
    my @order = map { $at->($_) } (
        qr/^\[root\.elf\] # server nvme: died, restarting \(1\/1\)$/,
        qr/^\[root\.elf\] # server nvme: started \(pd sel \d+\)$/,
        qr/^\[root\.elf\] # server blkclient: capability 'blk' \(sel 17\) delegated again, to the restarted nvme \(status 0\)$/,
        qr/^\[pci\] # pci: 00:04\.0 delegated to client 1 again$/,
        qr/nvme: restart: the controller the dead instance left enabled/,
        qr/blk: every acknowledged block reads back intact/);
    ok(!grep({ $_ < 0 } @order) && "@order" eq join(' ', sort { $a <=> $b } @order),
       "after the crash, in order: the root restarts nvme, delegates blkclient's cap again, pci hands 00:04.0 over again, the new instance resets the controller, the blocks read back (@order)");
    ok(!$has->(qr/delegated again, .*status [1-9]/), 'every capability was delegated again without error');
    is($has->(qr/delegated again/), 1, 'only the configured client of nvme got a capability again');
    ok($has->(qr/^# vtd: fault: dev 00:03\.0 addr 20000000 reason \d+ .*read$/),
       "hv logged the e1000e's blocked fetch from the client's revoked page");
    ok(!$has->(qr/server e1000e: .* ending it/), 'the e1000e driver took no fault');
    # The driver's selftest corrupts two completions itself (a faulty
    # device); QEMU's own must all be well formed.
    is(scalar(grep { /malformed completion ignored/ } @s), 2,
       'exactly the two forged completions were malformed (QEMU sent none)');
    open my $q, '<', $r->{out_file} or die "$r->{out_file}: $!";
    my @q = <$q>;
    ok(scalar(grep { /vtd_iommu_translate: detected translation failure \(dev=00:04:00, iova=0x30000000\)/ } @q),
       "QEMU's own log shows the NVMe's blocked access to the unmapped IOVA");
};

# The image after the run: the client's pattern at blocks 16..79, 256..287
# (acknowledged before the crash) and 296..303 (written after the
# restart), the driver's at block 2047, zeros elsewhere (block 2046 got the
# write whose data the device could not fetch: QEMU writes what its failed
# read left; 288..295 got the write in flight when the driver crashed,
# never acknowledged: either pattern may be there).
subtest 'drivers: the disk image holds what was written' => sub {
    open my $in, '<', $img or die "$img: $!";
    binmode $in;
    local $/;
    my $disk = <$in>;
    is(length $disk, 512 * $BLOCKS, 'image size unchanged');
    my ($bad, $zero_bad) = (0, 0);
    for my $lba (16 .. 16 + 64 - 1, 256 .. 287, 296 .. 303) {
        my @w = unpack('V128', substr($disk, $lba * 512, 512));
        for my $i (0 .. 127) {
            $bad++ if $w[$i] != ((0xb10c0000 ^ ($lba << 12) ^ $i) & 0xffffffff);
        }
    }
    is($bad, 0, "blocks 16..79, 256..287 and 296..303 hold blkclient's pattern");
    my @w = unpack('V128', substr($disk, 2047 * 512, 512));
    is(scalar(grep { $w[$_] != ((0x5e1f7e57 ^ $_) & 0xffffffff) } 0 .. 127), 0,
       "block 2047 holds the driver's pattern");
    for my $lba (0 .. 15, 80 .. 255, 304 .. 2045) {
        $zero_bad++ if substr($disk, $lba * 512, 512) ne "\0" x 512;
    }
    is($zero_bad, 0, 'every other block is still zero');
};
done_testing();
