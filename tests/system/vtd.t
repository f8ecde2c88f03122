#!/usr/bin/perl
# VT-d DMA remapping in QEMU TCG (q35, intel-iommu) with an e1000e at
# 00:03.0, which the root task (root/t_vtd.c) drives through its I/O BAR:
# unassigned, its DMA is blocked and the fault is reported with its source
# id; assigned to the root's DMA space, the same DMA lands; once the
# mapping is revoked it faults again. With interrupt remapping (queued
# invalidation), the NIC's MSI arrives as a semaphore up through an IRTE
# hv gave it, and is blocked without one, through another device's IRTE
# (source-id check) and after unbinding; the I/O APIC's lines get IRTEs and
# remappable-format entries. Three boots cover the unit's modes:
#   default   39-bit (3-level) tables, queued invalidation, no caching mode
#   cm48      aw-bits=48 (4-level tables) and caching-mode=on
#   regs      test=vtd-regs: register-based instead of queued invalidation
# Besides the kernel's TAP, QEMU's own log must show the blocked accesses.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Bulkhead;
use Test::More;

setup('vtd');

my @runs = (
    { tag => 'default', iommu => '',                            args => '',
      levels => 3, width => 39, cm => 'no',  inval => 'queued', ir => 1 },
    { tag => 'cm48',    iommu => ',caching-mode=on,aw-bits=48', args => '',
      levels => 4, width => 48, cm => 'yes', inval => 'queued', ir => 1 },
    { tag => 'regs',    iommu => '',                            args => ' test=vtd-regs',
      levels => 3, width => 39, cm => 'no',  inval => 'register', ir => 0 },
);

# Interrupt remapping results (boots whose unit queues invalidations).
my @must_ir = (
    qr/vtd: unit 0 remaps interrupts \(GSTS [0-9a-f]+: table set, IRE on, CFI off\), 256 IRTEs, xAPIC destinations/,
    qr/vtd: an MSI through an IRTE nobody was given \(handle 200\) is blocked/,
    qr/vtd: MSI vector 0 bound: hv programmed the capability in remappable format/,
    qr/vtd: the e1000e's MSI through its IRTE ups the semaphore \(held until the first unmask\)/,
    qr/vtd: and is acknowledged/,
    qr/vtd: a second MSI ups it again; one that comes before the acknowledgement is delivered at the unmask/,
    qr/vtd: binding a bound MSI vector again: EEXIST/,
    qr/vtd: MSI vector 1 \(hv enables one\), MSI-X entry 5 of 5, CPU 64: ERANGE/,
    qr/vtd: unknown entry bits: EINVAL/,
    qr/vtd: binding to something that is no semaphore, or an empty slot: ECAP/,
    qr/vtd: binding to a semaphore copy without UP: ERIGHTS/,
    qr/vtd: binding through a DEV copy without CTRL: ERIGHTS/,
    qr/vtd: unmasking or unbinding an entry that is not bound: ENOENT/,
    qr/vtd: MSI-X entry 4 binds on CPU 1, its address and data returned/,
    qr/vtd: binding an MSI of a device without MSI or MSI-X capability: ENOENT/,
    qr/vtd: binding an MSI of an unassigned device: EINVAL/,
    qr/vtd: the e1000e's MSI through another device's IRTE \(\d+\) is blocked by the source-id check/,
    qr/vtd: aimed at its own IRTE again it arrives; after unbinding, it is blocked/,
    qr/vtd: bound again, it arrives again/,
    qr/vtd: unassigning the device unbinds its MSI and blocks it/,
    qr/vtd: the MSI of a device assigned to a PD that dies is unbound and blocked/,
);

# Root results that must be there (and pass: check_kernel_tap fails on any
# `not ok`), so that none of them can go missing or turn into a SKIP.
my @must = (
    qr/vtd: all \d+ functions on bus 0 have a DEV capability whose DMA a remapping unit translates/,
    qr/vtd: a DEV capability for a function that does not exist: ENOENT/,
    qr/vtd: a DEV copy without CTRL reads INFO but cannot assign: ERIGHTS/,
    qr/vtd: assigning a device that is already assigned: EBUSY/,
    qr/vtd: a device assigned to a PD that dies is unassigned/,
    qr/vtd: a device whose DEV object ends is unassigned with it/,
    qr/vtd: DMA mappings into a PD with a small quota: \d+ fit, then ENOMEM/,
    qr/vtd: DMA-mapping a page that lacks BH_M_DMA: ERIGHTS/,
    qr/vtd: an IOVA beyond the \d+-bit DMA space: ERANGE/,
    qr/vtd: an unassigned e1000e fetched descriptor 0, but its DMA did not land/,
    qr/vtd: the blocked read is reported: source 00:03\.0, IOVA 100000, reason 1,/,
    qr/vtd: assigned to the root's DMA space, the e1000e's descriptor fetch and write-back land/,
    qr/vtd: and no fault is reported/,
    qr/vtd: after the ring's DMA mapping is revoked the fetch no longer lands and faults \(reason 6\)/,
    qr/vtd: mapped again, DMA lands again/,
    qr/vtd: unassigned again, the e1000e is blocked and faults/,
    qr/root PD torn down: every page returned/,
);

# Device memory through the DEV capability (root/t_devmem.c), every boot.
my @must_devmem = (
    qr/devmem: mapping through a DEV copy without CTRL: ERIGHTS/,
    qr/devmem: region 7 or 255 \(BARs are 0-5, 6 is the ECAM page\): ERANGE/,
    qr/devmem: the I\/O BAR \(2\): ENOTSUP/,
    qr/devmem: absent BARs \(4, 5\): ENOENT/,
    qr/devmem: pages beyond the BAR \(32 of 32, 30\+4, ~0\+2\): ERANGE/,
    qr/devmem: the ECAM page writable for the root, which holds the configuration ports \(0\)/,
    qr/devmem: unknown bits, X, DMA, or no R: EINVAL/,
    qr/devmem: unaligned VA, 0 or too many pages: EINVAL; a kernel VA: EFAULT/,
    qr/devmem: onto a VA already mapped: EEXIST, nothing mapped/,
    qr/devmem: BAR3 moved onto RAM \(200000\): EBUSY/,
    qr/devmem: BAR3 moved onto the I\/O APIC \(fec00000\): EBUSY/,
    qr/devmem: BAR3 moved onto the interrupt range \(fee00000\): EBUSY/,
    qr/devmem: BAR3 moved onto the remapping unit \(fed90000\): EBUSY/,
    qr/devmem: BAR3 moved onto the ECAM window \(b0000000\): EBUSY/,
    qr/devmem: BAR0 pages 0-3 mapped \(0, 4 pages of a 131072-byte BAR\)/,
    qr/devmem: reads and writes through the mapping reach the NIC/,
    qr/devmem: mapping over its own device pages: EEXIST/,
    qr/devmem: DMA-mapping a device page: ERIGHTS/,
    qr/devmem: shared read-only with BH_SYS_MAP, the copy reads the NIC/,
    qr/devmem: its ECAM page, read-only: ids 10d38086/,
    qr/devmem: unmapping the BAR pages takes the share with them/,
    qr/devmem: the freed VAs take BAR3 whole \(0, 16384 bytes\)/,
);
push @must, @must_devmem;

for my $run (@runs) {
    my $tok = token();
    my $cmdline = "serial=0x3f8,115200 exit=poweroff id=$tok$run->{args}";
    my $margs = "rootarg=$tok";
    my $r = run_qemu(tag => $run->{tag}, timeout => 240,
        base => [ '-M', 'q35', '-device', "intel-iommu,intremap=on$run->{iommu}", '-cpu', 'max',
                  '-smp', '2', '-m', '512M', '-display', 'none', '-no-reboot', '-monitor', 'none' ],
        args => [ '-nic', 'none', '-device', 'e1000e,addr=0x3', '-kernel', $HV,
                  '-append', $cmdline, '-initrd', "$ROOT_ELF $margs" ]);
    my $label = "qemu vtd $run->{tag}";
    check_kernel_tap($r, label => $label);
    check_boot($r, proto => 'mb1', loader => qr/qemu/i, cmdline => $cmdline, cpus => '2/2',
               modules => [{ file => $ROOT_ELF, args => $margs }]);
    my @s = @{ $r->{serial} };
    my $has = sub { my ($re) = @_; return scalar grep { /$re/ } @s };
    subtest "$label: remapping unit, DMA spaces, the e1000e's DMA" => sub {
        ok($has->(qr/^# vtd: unit 0 at fed90000: ver 1\.0, .*mgaw $run->{width}, .*caching mode $run->{cm}, coherent no \(flushing\), qi yes/),
           "unit 0 reported: mgaw $run->{width}, caching mode $run->{cm}, not coherent, QI");
        ok($has->(qr/^ok \d+ - vtd: unit 0 at fed90000 translates DMA .*translation on\), $run->{inval} invalidation$/),
           "translation on, $run->{inval} invalidation");
        ok($has->(qr/^# vtd: DMA spaces: $run->{levels}-level tables/), "$run->{levels}-level DMA spaces");
        ok($has->(qr/^\[root\.elf\] # vtd: DMA spaces are $run->{width} bits wide$/),
           "the root sees $run->{width}-bit DMA spaces");
        ok($has->(qr/^# pci: 0000:00:03\.0 8086:10d3 class 020000, dmar unit 0$/),
           'the e1000e enumerated behind unit 0');
        for my $re (@must) {
            ok($has->(qr/^ok \d+ - $re/), "passed: $re");
        }
        if ($run->{ir}) {
            for my $re (@must_ir) {
                ok($has->(qr/^(?:\[root\.elf\] )?ok \d+ - $re/), "passed: $re");
            }
            ok(!$has->(qr/^ok \d+ - vtd: .*# SKIP/), 'no vtd result skipped');
            # The I/O APIC's lines: remappable-format entries through IRTEs
            # (source id from the DMAR's I/O APIC scope), and the PIT's
            # interrupts of root/t_irq.c still arrive through them.
            ok($has->(qr/^# ioapic: GSI 2 goes through IRTE \d+ of unit 0 \(remappable entry, source ff:00\.0\)$/),
               'the PIT line gets an IRTE and a remappable I/O APIC entry');
            ok($has->(qr/^(?:\[root\.elf\] )?ok \d+ - irq: \d+ PIT interrupts arrive through the I\/O APIC/),
               'and its interrupts arrive through it');
        } else {
            ok($has->(qr/^# vtd: unit 0: interrupt remapping off: it needs queued invalidation/),
               'register invalidation: interrupt remapping off, with the reason');
            ok($has->(qr/^ok \d+ - vtd: MSI binding without interrupt remapping: ENOTSUP # SKIP/),
               'and MSI binding says ENOTSUP');
            ok(!$has->(qr/^# ioapic: GSI \d+ goes through IRTE/),
               'I/O APIC entries stay in compatibility format');
            ok(!$has->(qr/^ok \d+ - vtd: (?!MSI binding without).*# SKIP/), 'no other vtd result skipped');
        }
        ok($has->(qr/^# vtd: fault: dev 00:03\.0 addr 100000 reason 1 \(root entry not present\), read$/),
           'the blocked fetch is logged with its source id');
        ok($has->(qr/^# vtd: fault: dev 00:03\.0 addr 100000 reason 6 \(read of a page without R\), read$/),
           'the fetch after the revocation is logged');
        open my $fh, '<', $r->{out_file} or die "$r->{out_file}: $!";
        my @q = <$fh>;
        ok(scalar(grep { /vtd_iommu_translate: detected translation failure \(dev=00:03:00, iova=0x100000\)/ } @q),
           "QEMU's own log shows the e1000e's blocked access");
        if ($run->{ir}) {
            # QEMU 7.2 records no interrupt-remapping faults in the unit's
            # fault registers; it logs them (once per kind) on stderr.
            ok(scalar(grep { /vtd_irte_get: detected non-present IRTE \(index=200,/ } @q),
               "QEMU's own log shows the MSI at the IRTE nobody was given blocked");
            ok(scalar(grep { /vtd_irte_get: invalid IRTE SID \(index=\d+, sid=24, source_id=250\)/ } @q),
               "QEMU's own log shows the source-id check refusing the e1000e at the AHCI's IRTE");
        }
    };
}
done_testing();
