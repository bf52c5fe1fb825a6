# Boot E of Tests/e2e/capture-zfs: zfs diff output (kbe diff --files) in every form kbe reads,
# with names that need escaping, a rename, a hard-link change, and the refusals.
. ./capture-lib.sh
set -x
S=system
cap $S zfs-version zfs version
cap $S uname-a uname -a
cap $S dpkg-query-zfs dpkg-query -W zfsutils-linux zfs-dkms zfs-initramfs 'libzfs*linux'
D=diff
BE=rpool/ROOT/default
mkdir -p /etc/kldload-diff-files  # /root and /usr/local are datasets of their own, outside the BE
echo old >/etc/kldload-diff-files/remove-me
echo old >/etc/kldload-diff-files/rename-me
echo old >/etc/kldload-diff-files/linked
echo old >/etc/kldload-diff.conf
zfs snapshot $BE@diff-a
zfs clone -o canmount=noauto -o mountpoint=/ $BE@diff-a rpool/ROOT/diffclone
echo new >>/etc/kldload-diff.conf
mkdir -p /etc/kldload-diff.d
echo new >/etc/kldload-diff.d/added.conf
rm /etc/kldload-diff-files/remove-me
mv /etc/kldload-diff-files/rename-me /etc/kldload-diff-files/renamed
ln /etc/kldload-diff-files/linked /etc/kldload-diff-files/hardlink
ln -s /etc/kldload-diff.conf /etc/kldload-diff-files/symlink
mkfifo /etc/kldload-diff-files/fifo
printf 'x\n' >"/etc/kldload-diff-files/with space"
printf 'x\n' >"$(printf '/etc/kldload-diff-files/tab\there')"
printf 'x\n' >"$(printf '/etc/kldload-diff-files/new\nline')"
printf 'x\n' >"/etc/kldload-diff-files/ümlaut"
printf 'x\n' >'/etc/kldload-diff-files/back\slash'
sync
zfs snapshot $BE@diff-b
cap $D zfs-diff-FH-a-b zfs diff -FH $BE@diff-a $BE@diff-b
cap $D zfs-diff-a-b zfs diff $BE@diff-a $BE@diff-b
cap $D zfs-diff-FHt-a-b zfs diff -FHt $BE@diff-a $BE@diff-b
cap $D zfs-diff-FH-a-live zfs diff -FH $BE@diff-a $BE
cap $D zfs-diff-FH-b-a zfs diff -FH $BE@diff-b $BE@diff-a
cap $D zfs-diff-FH-origin-clone zfs diff -FH $BE@diff-a rpool/ROOT/diffclone
cap $D zfs-diff-FH-unrelated zfs diff -FH $BE@diff-b rpool/ROOT/diffclone
cap $D zfs-diff-FH-two-filesystems zfs diff -FH $BE rpool/ROOT/diffclone
cap $D zfs-diff-FH-missing zfs diff -FH $BE@no-such-snapshot $BE
cap $D zfs-list-be zfs list -Hp -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
cap $D zpool-get-bootfs zpool get -Hp bootfs rpool
cap $D proc-self-mounts cat /proc/self/mounts
zfs destroy rpool/ROOT/diffclone
zfs destroy $BE@diff-b
zfs destroy $BE@diff-a
echo done-e
