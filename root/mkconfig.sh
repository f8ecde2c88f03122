#!/bin/sh
# Builds the boot configuration blob: mkconfig.sh TEMPLATE.dts MODDIRS OUT.dtb
# Every `sha256 = [...];` line of TEMPLATE gets the real SHA-256 of the
# module named by the `module = "NAME";` line before it (found in the
# first directory of the colon-separated MODDIRS that has it), except
# lines marked `/* keep */` (deliberately wrong digests for tests).
# Fails if a module file is missing.
set -eu
tmpl=$1 moddir=$2 out=$3
dts=$out.dts
awk -v dirs="$moddir" '
/module = "/ {
    mod = $0; sub(/.*module = "/, "", mod); sub(/".*/, "", mod)
}
/sha256 = \[/ && !/\/\* keep \*\// {
    nd = split(dirs, d, ":")
    file = d[1] "/" mod
    for (k = 1; k <= nd; k++)
        if (system("test -f \"" d[k] "/" mod "\"") == 0) { file = d[k] "/" mod; break }
    cmd = "sha256sum \"" file "\""
    if ((cmd | getline line) <= 0) { print "mkconfig: no module " file > "/dev/stderr"; exit 1 }
    close(cmd)
    split(line, f, " "); hex = f[1]
    if (length(hex) != 64) { print "mkconfig: cannot hash " file > "/dev/stderr"; exit 1 }
    bytes = ""
    for (i = 1; i <= 64; i += 2) bytes = bytes (i > 1 ? " " : "") substr(hex, i, 2)
    indent = $0; sub(/sha256.*/, "", indent)
    print indent "sha256 = [" bytes "];"
    next
}
{ print }
' "$tmpl" > "$dts"
dtc -q -I dts -O dtb -o "$out" "$dts"
