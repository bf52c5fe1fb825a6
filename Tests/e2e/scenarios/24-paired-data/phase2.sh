# The activated checkpoint with its data; then rollbacks of the other BE without and with data.
. ./lib-paired.sh
install_bins
name=$(cat /home/e2e-checkpoint-name)
expect_eq "running BE" "rpool/ROOT/$name" "$(root_dataset)"
expect_eq "dpkg kldload-db" 1.0 "$(dpkg-query -W -f '${Version}' kldload-db)"
expect_eq "live data mounted" rpool/srv/kldb "$(findmnt -n -o SOURCE /srv/kldb)"
rc=0; kldload-db >"$OUT/old-reads-new.out" 2>&1 || rc=$?
expect_eq "kldload-db 1.0 on the migrated data: exit" 1 "$rc"
# What kbe activate printed: swap the live dataset for the checkpoint's clone.
zfs umount rpool/srv/kldb || fail "zfs umount rpool/srv/kldb"
zfs mount "rpool/srv/kldb-$name" || fail "zfs mount rpool/srv/kldb-$name"
expect_eq "clone mounted" "rpool/srv/kldb-$name" "$(findmnt -n -o SOURCE /srv/kldb)"
expect_eq "the old package reads the old format" "kldload-db 1.0 reads format 1: rows=alice,bob" "$(kldload-db)"
# rpool/ROOT/default is not running now: roll it back to the checkpoint without the data.
rec_kbe rec-rollback-nochoice rollback "default@$name" --yes
expect_eq "rollback without a choice: exit" 2 "$rc"
rec_kbe rec-rollback-without rollback "default@$name" --without-data --yes
expect_eq "rollback --without-data: exit" 0 "$rc"
grep -q "NOT rolled back" "$OUT/rec-rollback-without/kbe.stderr" || fail "no warning that the paired data is not rolled back"
grep -q "rpool/srv/kldb" "$OUT/rec-rollback-without/kbe.stderr" || fail "the warning does not name rpool/srv/kldb"
mkdir -p /mnt/kldb-live
mount -t zfs -o ro,zfsutil rpool/srv/kldb /mnt/kldb-live || fail "mount rpool/srv/kldb"
expect_eq "data still format 2 (not rolled back)" format=2 "$(db_format /mnt/kldb-live)"
umount /mnt/kldb-live
rec_kbe rec-rollback-with rollback "default@$name" --with-data --yes
expect_eq "rollback --with-data: exit" 0 "$rc"
mount -t zfs -o ro,zfsutil rpool/srv/kldb /mnt/kldb-live || fail "mount rpool/srv/kldb"
expect_eq "data back in format 1" format=1 "$(db_format /mnt/kldb-live)"
umount /mnt/kldb-live
# A terminal (best effort, not a result): the question shows written@ and the newest change.
mount -t zfs -o zfsutil rpool/srv/kldb /mnt/kldb-live && echo "row written after the rollback" >/mnt/kldb-live/later && umount /mnt/kldb-live
if command -v script >/dev/null; then
    rm -rf /root/rec-rollback-tty
    printf 'without-data\nno\n' | timeout 300 script -qec "env TZ=UTC KLDLOAD_RECORD=/root/rec-rollback-tty /usr/local/bin/kbe rollback default@$name" /dev/null >"$OUT/rollback-tty.out" 2>&1 || true
    cp -a /root/rec-rollback-tty "$OUT/rollback-tty.rec" 2>/dev/null || true
fi
sync
