package Bulkhead;
# System-test harness: boots build/hv/hv.bin in an emulator with a hard
# timeout, captures COM1 to build/test-logs/NAME/, and turns the kernel's
# serial TAP plus host-side checks into this test's own TAP (Test::More).
# Core Perl only.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname basename);
use File::Path qw(make_path remove_tree);
use Time::HiRes qw(time);
use Test::More;
use Exporter 'import';

our @EXPORT = qw(setup token run_qemu run_bochs make_iso boot_info
                 check_kernel_tap check_boot check_module file_sha256
                 serial_tail dump_serial qemu_base bochs_boot_test system_modules
                 check_servers initrd_arg $ROOT $HV $ROOT_ELF $BOOT_DTB @SERVER_ELFS
                 vm_modules guest_output check_guest @VM_FILES);

our $ROOT     = abs_path(dirname(__FILE__) . '/../..');
our $HV       = $ENV{BULKHEAD_HV} // 'build/hv/hv.bin';   # override: try another kernel
our $ROOT_ELF = 'build/root/root.elf';
our $BOOT_DTB = 'build/boot/bulkhead.dtb';     # mk/root.mk, from boot/bulkhead.dts
our @SERVER_ELFS = map { "build/servers/$_.elf" } qw(echo crasher mem quota fuzz io);
# What a boot with virtual machines needs besides the root task and its
# configuration (mk/vmm.mk, mk/guests.mk).
our @VM_FILES = ('build/vmm/uart.elf', 'build/vmm/vmm.elf', 'build/guests/testguest.img');
my $LOGDIR;
my @LAST_SERIAL;                 # serial lines of the most recent run
my $LAST_RUN;                    # the most recent run's result

# Returns the log directory for test NAME (emptied), after chdir to the repo
# root. Fails the test (and stops it) if the kernel or root task is missing.
sub setup {
    my ($name, %opt) = @_;
    chdir $ROOT or die "chdir $ROOT: $!";
    $LOGDIR = "build/test-logs/$name";
    remove_tree($LOGDIR);
    make_path($LOGDIR);
    my @need = ($HV, @{ $opt{need} // [$ROOT_ELF] });
    for my $f (@need) {
        next if -f $f;
        fail("$f exists (run `make all` first)");
        done_testing();
        exit 1;
    }
    return $LOGDIR;
}

# A random token so each run's command line is unique (e.g. "ab12cd").
sub token { return join '', map { sprintf '%02x', int(rand(256)) } 1 .. 3 }

# Arguments every QEMU TCG run shares (q35 with the IOMMU, 2 CPUs).
sub qemu_base {
    return ('-M', 'q35', '-device', 'intel-iommu,intremap=on', '-cpu', 'max',
            '-smp', '2', '-m', '512M', '-display', 'none', '-no-reboot',
            '-monitor', 'none');
}

# Runs CMD under `timeout --kill-after=5 SECS`, stdin from /dev/null and
# stdout/stderr to LOGDIR/TAG.out. Returns a hash: status, elapsed,
# timed_out, serial (array of lines, CR stripped), serial_file, out_file.
sub run_cmd {
    my (%a) = @_;
    my $tag = $a{tag} // 'run';
    my $out = "$LOGDIR/$tag.out";
    my $t0 = time;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or die "$out: $!";
        open STDERR, '>&', \*STDOUT;
        exec 'timeout', '--kill-after=5', $a{timeout}, @{ $a{cmd} };
        die "exec timeout: $!";
    }
    waitpid $pid, 0;
    my $status = $? >> 8;
    my %r = (status => $status, elapsed => time - $t0,
             timed_out => ($status == 124 || $status == 137 || ($? & 127)) ? 1 : 0,
             serial_file => $a{serial}, out_file => $out);
    $r{serial} = [ read_lines($a{serial}) ];
    @LAST_SERIAL = @{ $r{serial} };
    $LAST_RUN = \%r;
    note(sprintf "%s: exit %d after %.1f s (limit %d s), serial in %s",
         $tag, $status, $r{elapsed}, $a{timeout}, $a{serial});
    return \%r;
}

sub read_lines {
    my ($f) = @_;
    open my $fh, '<:raw', $f or return ();
    my @l = map { s/\r//gr =~ s/\n\z//r } <$fh>;
    return @l;
}

# Boots QEMU TCG. args: extra QEMU arguments; tag; timeout (default 60).
sub run_qemu {
    my (%a) = @_;
    my $tag = $a{tag} // 'qemu';
    my $serial = "$LOGDIR/$tag.serial";
    unlink $serial;
    my @cmd = ($a{qemu} // 'qemu-system-x86_64',
               ($a{base} ? @{ $a{base} } : qemu_base()),
               '-serial', "file:$serial", @{ $a{args} // [] });
    return run_cmd(tag => $tag, timeout => $a{timeout} // 120,
                   serial => $serial, cmd => \@cmd);
}

# Builds a GRUB ISO: cmdline, modules => [[file, args], ...]. Returns its path.
sub make_iso {
    my (%a) = @_;
    my $iso = "$LOGDIR/" . ($a{tag} // 'boot') . '.iso';
    my @m = map { ('-m', join(' ', grep { defined && length } @$_)) } @{ $a{modules} };
    @m = ('-m', '') unless @m;
    my $err = system('scripts/mkiso.sh', '-o', $iso, '-k', $HV, '-c', $a{cmdline}, @m);
    if ($err) {
        fail("scripts/mkiso.sh builds $iso");
        done_testing();
        exit 1;
    }
    return $iso;
}

# Boots a GRUB ISO in Bochs (headless, private network namespace).
sub run_bochs {
    my (%a) = @_;
    my $tag = $a{tag} // 'bochs';
    my $serial = "$LOGDIR/$tag.serial";
    unlink $serial;
    my $dir = "$LOGDIR/$tag.bochs";
    make_path($dir);
    my @cmd = ('scripts/bochs.sh', '-i', $a{iso}, '-s', abs_path($LOGDIR) . "/$tag.serial",
               '-m', $a{model}, '-n', $a{cpus} // 2, '-M', $a{megs} // 256,
               '-l', "$dir/bochs.log", '-d', $dir);
    return run_cmd(tag => $tag, timeout => $a{timeout} // 120,
                   serial => $serial, cmd => \@cmd);
}

# The whole Bochs boot-path test for CPU MODEL: GRUB ISO, 2 CPUs, the same
# checks as the QEMU boot paths. Options: args (extra kernel options),
# megs (RAM, default 256),
# apic and timer (expected modes), servers (boot every system module with
# the root's `servers` argument and make check_servers' checks too), vmx
# (what check_vmx expects; default from args).
# Bochs always exits 1: judged by serial.
sub bochs_boot_test {
    my ($name, $model, %o) = @_;
    my $extra = $o{args};
    my $tok = token();
    my $margs = ($o{servers} ? 'servers ' : '') . "rootarg=$tok";
    my @mods = $o{servers} ? system_modules($margs) : ([$ROOT_ELF, $margs]);
    setup($name, need => [map { $_->[0] } @mods]);
    my $cmdline = join ' ', "serial=0x3f8,115200 exit=poweroff id=$tok", $extra // ();
    my $iso = make_iso(cmdline => $cmdline, modules => \@mods);
    # The server suite (fuzz's 1,000,000 calls) takes about 35 s alone; 3 GiB
    # of RAM (the 1 GiB page tests) costs about half again as much CPU.
    my $r = run_bochs(iso => $iso, model => $model, cpus => 2, megs => $o{megs},
                      timeout => ($o{megs} // 256) > 256 ? 600 : $o{servers} ? 420 : 300);
    check_kernel_tap($r);
    check_boot($r, proto => 'mb2', loader => qr/grub/i, cmdline => $cmdline,
               apic => $o{apic}, timer => $o{timer}, cpus => '2/2',
               vmx => $o{vmx} // (($extra // '') =~ /\bno1g\b/ ? 'no1g' : 1),
               modules => [ map { { file => $_->[0], args => $_->[1] } } @mods ]);
    check_servers($r, "bochs $model") if $o{servers};
    return $r;
}

# The multi-PD tests (root/t_servers.c) in run R, as one subtest "LABEL:
# servers": each server started in its own PD, the hash-mismatch entry
# refused, crasher restarted, fuzz's calls (fuzz: how many the root was
# configured to expect, default 1,000,000) with echo answering meanwhile.
# If the root task skipped the server tests, so does this (and says why).
sub check_servers {
    my ($r, $label, %o) = @_;
    my $fuzz = $o{fuzz} // 1000000;
    my $fuzz_text = $fuzz =~ s/(\d)(?=(\d{3})+$)/$1,/gr;
    my @s = @{ $r->{serial} };
    subtest "$label: servers" => sub {
        for my $name (qw(echo crasher io pager sharer quota fuzz)) {
            ok((grep { /^\[root\.elf\] # server \Q$name\E: started \(pd sel \d+\)$/ } @s),
               "$name started in its own PD");
        }
        ok((grep { /^\[root\.elf\] # server badhash: refused: .*sha256 mismatch/ } @s),
           'badhash refused with a sha256 mismatch');
        ok((grep { /^\[root\.elf\] # server crasher: died, restarting \(1\/2\)$/ } @s),
           'crasher died and was restarted');
        ok((grep { /^ok \d+ - servers: fuzz made \Q$fuzz\E random system calls/ } @s),
           "fuzz made $fuzz_text system calls");
        ok((grep { /^ok \d+ - servers: echo answered all \d+ calls made meanwhile \(0 bad\)/ } @s),
           'echo kept answering meanwhile');
    };
}

# The full module list of a system boot: the root task (with ROOTARGS),
# the boot configuration, then the servers it names. [[file, args], ...]
sub system_modules {
    my ($rootargs) = @_;
    return ([$ROOT_ELF, $rootargs], [$BOOT_DTB, ''], map { [$_, ''] } @SERVER_ELFS);
}

# The module list of a boot with virtual machines: the root task with
# `servers config=CONFIG` (and ROOTARGS), build/boot/CONFIG (a VM
# configuration, boot/vms*.dts), the UART server, the VMM and the test
# guest. [[file, args], ...]
sub vm_modules {
    my ($config, $rootargs) = @_;
    return ([$ROOT_ELF, join(' ', "servers config=$config", $rootargs // ())],
            ["build/boot/$config", ''], map { [$_, ''] } @VM_FILES);
}

# What guest NAME printed on its serial port in run R: the lines its UART
# server printed ("[UART-PD] NAME: text"), the text only.
sub guest_output {
    my ($r, $name) = @_;
    return map { /^\[[a-z0-9_-]+\] \Q$name\E: (.*)$/ ? $1 : () } @{ $r->{serial} };
}

# The test guest's TAP (guests/README.md) as printed through its UART
# server in run R, as one subtest "LABEL": results numbered 1..N, each ok
# (SKIP and TODO honoured), the plan, and its last line with STATUS
# (default 0). Returns a hash: results (text => ok), plan, status.
sub check_guest {
    my ($r, $name, %o) = @_;
    my $want = $o{status} // 0;
    my @out = guest_output($r, $name);
    my (%res, @nums, $plan, $status, $bad);
    for (@out) {
        if (/^(not )?ok (\d+) - (.*)$/) {
            my ($not, $n, $text) = ($1, $2, $3);
            push @nums, $n;
            $res{$text} = !$not;
            $bad++ if $not && $text !~ /#\s*(TODO|SKIP)\b/i;
        }
        elsif (/^1\.\.(\d+)$/) { $plan = $1 }
        elsif (/^# testguest: end, (\d+) result\(s\), (\d+) not ok, exit status (\d+)$/) { $status = $3 }
    }
    subtest $o{label} // "guest $name" => sub {
        ok(@out > 0, "guest $name printed through its UART server (" . scalar(@out) . " lines)");
        ok(@nums > 0, "guest $name reported results");
        is($bad // 0, $o{failures} // 0, "guest $name: " . ($o{failures} // 0) . " result(s) not ok");
        is("@nums", join(' ', 1 .. scalar @nums), "guest $name: results numbered 1..N");
        is($plan, scalar @nums, "guest $name: its plan matches");
        is($status, $want, "guest $name: its last line says exit status $want");
    };
    return { results => \%res, plan => $plan, status => $status, lines => \@out };
}

# QEMU's -initrd value for [[file, args], ...]: QEMU splits on commas, so
# no module string may contain one.
sub initrd_arg {
    my @m = map { join ' ', grep { length } @$_ } @_;
    die "a module string contains a comma: @m" if grep { /,/ } @m;
    return join ',', @m;
}

# Parses the kernel's '#' report lines into a hash:
#   proto, loader, cmdline, cpus_online, cpus_madt,
#   modules => [{name, size, sha256, args}, ...], end, panic.
sub boot_info {
    my ($r) = @_;
    my %i = (modules => []);
    for (@{ $r->{serial} }) {
        if (/^# boot: proto=(\S+) loader=(.*)$/) { @i{qw(proto loader)} = ($1, $2) }
        elsif (/^# cmdline: ?(.*)$/)             { $i{cmdline} = $1 }
        elsif (/^# id: (.*)$/)                   { $i{id} = $1 }
        elsif (/^# apic: (\S+) id \d+, timer (\S+),/) { @i{qw(apic timer)} = ($1, $2) }
        elsif (/^hv: cmdline: (.*)$/)            { push @{ $i{cmdline_diag} }, $1 }
        elsif (/^# module (\d+): name=(\S*) size=(\d+) sha256=([0-9a-f]{64}) args=?(.*)$/) {
            $i{modules}[$1] = { name => $2, size => $3, sha256 => $4, args => $5 };
        }
        elsif (m{^# cpus: (\d+)/(\d+)})          { @i{qw(cpus_online cpus_madt)} = ($1, $2) }
        elsif (/^# bulkhead: end\s*$/)           { $i{end} = 1 }
        elsif (/^# bulkhead: panic\s*$/)         { $i{panic} = 1 }
    }
    return \%i;
}

# Re-emits the kernel's TAP lines as subtests of this test and checks the
# stream: every `not ok` fails, the plan is present and matches the count,
# numbering runs 1..N, and `# bulkhead: end` is there. The emulator must
# have ended by itself. Returns true if all held.
sub check_kernel_tap {
    my ($r, %opt) = @_;
    my $label = $opt{label} // 'kernel';
    my $all = 1;
    my $res = subtest "$label TAP stream" => sub {
        my ($plan, @nums, $end, $panic);
        for (@{ $r->{serial} }) {
            if (/^(not )?ok\b\s*(\d*)\s*(?:-\s*)?(.*)$/) {
                my ($bad, $n, $text) = ($1, $2, $3);
                push @nums, $n;
                my ($desc, $dir, $why) = $text =~ /^(.*?)\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$/i;
                $desc = "$label $n - $desc";
                if ($dir && uc $dir eq 'SKIP') {
                  SKIP: { skip("$desc: $why", 1) }
                } elsif ($dir && uc $dir eq 'TODO') {
                    my $tb = Test::More->builder;
                    $tb->todo_start($why);
                    ok(!$bad, $desc);
                    $tb->todo_end;
                } else {
                    ok(!$bad, $desc);
                }
            }
            elsif (/^1\.\.(\d+)/)            { $plan = $1 }
            elsif (/^# bulkhead: end\s*$/)   { $end = 1 }
            elsif (/^# bulkhead: panic\s*$/) { $panic = 1 }
        }
        ok(!$r->{timed_out}, sprintf 'emulator ended by itself (%.1f s)', $r->{elapsed});
        ok(!$panic && !grep(/^PANIC/, @{ $r->{serial} }), 'no kernel panic');
        ok(defined $plan, 'kernel printed its TAP plan');
        is(scalar @nums, $plan // -1, 'kernel ran as many tests as it planned');
        is("@nums", join(' ', 1 .. scalar @nums), 'kernel tests are numbered 1..N');
        ok($end, 'kernel printed "# bulkhead: end"');
    };
    return $res;
}

# Host-side checks of the boot report. Options:
#   proto, loader (regex), cmdline (exact; an id= in it must come back as
#   '# id:' with no command-line diagnostics), cpus ("2/2"), apic, timer,
#   modules => [{file, args}, ...] compared with the host's copies.
sub check_boot {
    my ($r, %e) = @_;
    my $i = boot_info($r);
    is($i->{proto}, $e{proto}, "boot protocol is $e{proto}") if $e{proto};
    like($i->{loader} // '', $e{loader}, 'boot loader name') if $e{loader};
    is($i->{cmdline}, $e{cmdline}, 'command line arrived intact (image token stripped)')
        if defined $e{cmdline};
    if (defined $e{cmdline} && $e{cmdline} =~ /\bid=(\S+)/) {
        is($i->{id}, $1, 'kernel parsed the id= label');
        ok(!$i->{cmdline_diag}, 'no command-line diagnostics on a clean command line')
            or diag(join "\n", @{ $i->{cmdline_diag} });
    }
    is($i->{apic}, $e{apic}, "local APIC in $e{apic} mode") if $e{apic};
    is($i->{timer}, $e{timer}, "one-shot timer is $e{timer}") if $e{timer};
    is(($i->{cpus_online} // '?') . '/' . ($i->{cpus_madt} // '?'), $e{cpus}, "cpus online/MADT = $e{cpus}")
        if $e{cpus};
    my $k = 0;
    for my $m (@{ $e{modules} // [] }) {
        check_module($i->{modules}[$k], $k, $m->{file}, $m->{args} // '');
        $k++;
    }
    is(scalar @{ $i->{modules} }, $k, "kernel saw $k module(s)") if $e{modules};
    check_vmx($r, $e{vmx}, $i->{cpus_online}) if defined $e{vmx};
    return $i;
}

# VMX expected on every online CPU (Bochs, nested KVM), or expected absent
# with hv saying why and carrying on (QEMU TCG). WANT: 1 (EPT with 2M and
# 1G pages), 'no1g' (1G hidden by the kernel option), '2m' (a CPU without
# 1G EPT pages), or false.
sub check_vmx {
    my ($r, $want, $cpus) = @_;
    my @s = @{ $r->{serial} };
    if ($want) {
        if ($want eq 'no1g') {           # the kernel option no1g hides 1 GiB pages
            ok((grep { /^# vmx: revision \d+, ept 2M A\/D/ } @s),
               'VMX capabilities reported (EPT with 2M pages; 1G hidden by no1g)');
        } elsif ($want eq '2m') {        # a CPU whose EPT has no 1 GiB pages
            ok((grep { /^# vmx: revision \d+, ept 2M(?! 1G)/ } @s),
               'VMX capabilities reported (EPT with 2M pages, no 1G on this CPU)');
        } else {
            ok((grep { /^# vmx: revision \d+, ept 2M 1G/ } @s), 'VMX capabilities reported (EPT with 2M and 1G pages)');
        }
        for my $c (0 .. ($cpus // 1) - 1) {
            ok((grep { /^ok \d+ - vmx: cpu $c in VMX root operation$/ } @s), "cpu $c in VMX root operation");
        }
    } else {
        ok((grep { /^hv: vmx: not available: .+; no guests, everything else runs$/ } @s),
           'no VMX here: hv says why and carries on');
        ok(!(grep { /^ok \d+ - vmx: cpu \d+ in VMX root/ } @s), "and claims no VMX CPU");
    }
}

# Compares the kernel's report of module K with the host file and args.
sub check_module {
    my ($m, $k, $file, $args) = @_;
    my $name = basename($file);
    subtest "module $k ($name) intact" => sub {
        ok($m, "kernel reported module $k") or return;
        is($m->{name}, $name, 'name is the basename of the first token');
        is($m->{size}, -s $file, 'size matches the host file');
        is($m->{sha256}, file_sha256($file), 'sha256 matches the host file');
        is($m->{args}, $args, 'module arguments arrived intact');
    };
}

sub file_sha256 {
    my ($f) = @_;
    my $out = `sha256sum "$f"`;
    return (split ' ', $out)[0] // '';
}

# The last N serial lines of the most recent run (for diagnostics).
sub serial_tail {
    my ($n) = @_;
    my @l = @LAST_SERIAL;
    splice @l, 0, @l - $n if @l > $n;
    return @l;
}

# Prints the last 40 serial lines of run R (default: the most recent one).
my $dumped = 0;
sub dump_serial {
    my ($r) = @_;
    my @t = $r ? @{ $r->{serial} } : @LAST_SERIAL;
    splice @t, 0, @t - 40 if @t > 40;
    my $f = $r ? $r->{serial_file} : $LOGDIR;
    diag("last " . scalar(@t) . " serial lines of $f:");
    diag("  | $_") for @t;
    diag("  (no serial output)") unless @t;
    if ($r && $r->{out_file}) {           # the emulator's own complaints
        my @o = grep { /\S/ } read_lines($r->{out_file});
        splice @o, 0, @o - 10 if @o > 10;
        diag("last lines of $r->{out_file}:") if @o;
        diag("  | $_") for @o;
    }
    $dumped = 1;
}

# On failure, show the end of the serial log unless a test already did.
END {
    dump_serial($LAST_RUN) if $LOGDIR && $LAST_RUN && !$dumped && !Test::More->builder->is_passing;
}

1;
