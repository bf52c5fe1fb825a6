# Move the package database into the BE: copy /var/lib under its mount into
# rpool/ROOT/default's own /var/lib and stop mounting rpool/var/lib.
use_local_repo
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
expect_eq "kldload-demo before" "kldload-demo 1.0" "$(kldload-demo)"
expect_eq "/var/lib source" rpool/var/lib "$(findmnt -n -o SOURCE /var/lib)"
mkdir -p /mnt/rootbind
mount --bind / /mnt/rootbind
cp -a /var/lib/. /mnt/rootbind/var/lib/
umount /mnt/rootbind
zfs set canmount=noauto rpool/var/lib
sync
