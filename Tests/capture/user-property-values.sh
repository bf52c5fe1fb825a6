#!/bin/sh
# What ZFS accepts in a user property value and how zfs list -H prints it.
O=/xchg/out; mkdir -p $O   # run in the guest: E2E_DISTRO=trixie Tests/e2e/boot Tests/capture/user-property-values.sh OUTDIR
exec >$O/log 2>&1
set -x
zfs version
ds=rpool/ROOT/default
tab=$(printf 'a\tb')
nl=$(printf 'line1\nline2')
esc=$(printf 'x\033[31my')
zfs set "org.kldload:description=$tab" $ds; echo "tab rc=$?"
zfs list -H -p -o name,org.kldload:description $ds > $O/tab.stdout; echo "list rc=$?"
zfs set "org.kldload:description=$nl" $ds; echo "newline rc=$?"
zfs list -H -p -o name,org.kldload:description $ds > $O/newline.stdout; echo "list rc=$?"
zfs list -j --json-int -o name,org.kldload:description $ds > $O/newline.json; echo "json rc=$?"
zfs set "org.kldload:description=$esc" $ds; echo "esc rc=$?"
zfs list -H -p -o name,org.kldload:description $ds > $O/escape.stdout
long=$(head -c 8200 /dev/zero | tr '\0' x)
zfs set "org.kldload:description=$long" $ds 2> $O/long8200.stderr; echo "8200 rc=$?"
long=$(head -c 8191 /dev/zero | tr '\0' x)
zfs set "org.kldload:description=$long" $ds 2> $O/long8191.stderr; echo "8191 rc=$?"
zfs get -H -p -o value org.kldload:description $ds | wc -c > $O/long8191.len
zfs inherit org.kldload:description $ds
