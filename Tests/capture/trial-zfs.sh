#!/bin/sh
# The zfs/zpool commands kbe runs for a trial boot (Docs/TRIAL.md), each with kbe's exact argv,
# captured in the ZFS-root guest: Tests/e2e/boot Tests/capture/trial-zfs.sh OUTDIR
# (Debian 12, OpenZFS 2.1.11 by default). Every command's stdout, stderr, exit status and argv
# (one argument per line, as a replay scenario's commands/N/argv) go to /xchg/out/NAME.*.
O=/xchg/out; mkdir -p $O
exec >$O/log 2>&1
set -x
# cap NAME ARGV...: exact stdout/stderr/status of one command, argv one per line.
cap() {
    n=$1; shift
    : >"$O/$n.argv"; for a in "$@"; do printf '%s\n' "$a" >>"$O/$n.argv"; done
    LC_ALL=C "$@" >"$O/$n.stdout" 2>"$O/$n.stderr" </dev/null
    echo $? >"$O/$n.status"
}
LIST_COLS=name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description
E=1795319621   # 2026-11-22T03:53:41Z, the trial-since value the replay scenarios use
zfs version >$O/zfs-version.stdout
cat /proc/self/mounts >$O/proc-self-mounts.stdout
# A second BE to try, as kbe create --be test would make it.
zfs snapshot rpool/ROOT/default@kbe-test
zfs clone -o canmount=noauto -o mountpoint=/ rpool/ROOT/default@kbe-test rpool/ROOT/test
cap 01-zpool-get-bootfs zpool get -Hp bootfs rpool
cap 02-zfs-list-be zfs list -Hp -t filesystem,volume,snapshot -r -o $LIST_COLS rpool/ROOT
cap 03-get-local-root zfs get -Hp -s local all rpool/ROOT
cap 04-get-cmdline-test zfs get -Hp -o name,property,value,source org.zfsbootmenu:commandline rpool/ROOT/test
cap 05-set-cmdline-test zfs set "org.zfsbootmenu:commandline=quiet panic=30" rpool/ROOT/test
cap 06-get-cmdline-test-after zfs get -Hp -o name,property,value,source org.zfsbootmenu:commandline rpool/ROOT/test
cap 07-set-trial zfs set org.kldload:trial=rpool/ROOT/test org.kldload:trial-from=rpool/ROOT/default org.kldload:trial-since=$E rpool/ROOT
cap 08-get-local-root-trial zfs get -Hp -s local all rpool/ROOT
cap 09-zfs-list-be-trial zfs list -Hp -t filesystem,volume,snapshot -r -o $LIST_COLS rpool/ROOT
cap 10-set-bootfs-test zpool set bootfs=rpool/ROOT/test rpool
cap 11-zpool-get-bootfs-test zpool get -Hp bootfs rpool
cap 12-inherit-trial zfs inherit org.kldload:trial rpool/ROOT
cap 13-inherit-trial-from zfs inherit org.kldload:trial-from rpool/ROOT
cap 14-inherit-trial-since zfs inherit org.kldload:trial-since rpool/ROOT
cap 15-set-result-failed zfs set "org.kldload:trial-result=failed rpool/ROOT/test" rpool/ROOT
cap 16-get-local-root-result zfs get -Hp -s local all rpool/ROOT
cap 17-inherit-result zfs inherit org.kldload:trial-result rpool/ROOT
cap 18-inherit-trial-unset zfs inherit org.kldload:trial rpool/ROOT
cap 19-set-bootfs-default zpool set bootfs=rpool/ROOT/default rpool
cap 20-get-local-root-end zfs get -Hp -s local all rpool/ROOT
zfs destroy -r rpool/ROOT/test
zfs destroy rpool/ROOT/default@kbe-test
echo done >$O/done
