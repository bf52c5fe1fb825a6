# Boot C of Tests/e2e/capture-zfs: resilvers of rpool (all disks of boot A back).
. ./capture-lib.sh
set -x
udevadm settle
R=resilver
cap $R zpool-status-before zpool status rpool
cap $R zpool-offline zpool offline rpool virtio-pool1
dd if=/dev/urandom of=/srv/while-offline.bin bs=1M count=48 status=none
sync
zpool sync rpool
sleep 2
cap $R zpool-online zpool online rpool virtio-pool1
cap $R zpool-status-after-online zpool status rpool
capj $R zpool-status-j-after-online zpool status rpool
zpool wait -t resilver rpool
cap $R zpool-status-after-online-resilver zpool status rpool
cap $R zpool-detach zpool detach rpool virtio-pool1
cap $R zpool-status-detached zpool status rpool
capj $R zpool-status-j-detached zpool status rpool
cap $R zpool-list-Hp-detached zpool list -Hp
cap $R zpool-attach zpool attach -f rpool virtio-pool0 /dev/disk/by-id/virtio-pool1
cap $R zpool-status-resilvering zpool status rpool
capj $R zpool-status-j-resilvering zpool status rpool
sleep 5
cap $R zpool-status-resilvering-2 zpool status rpool
cap $R zpool-status-x-resilvering zpool status -x
cap $R zpool-list-Hp-resilvering zpool list -Hp
zpool wait -t resilver rpool
cap $R zpool-status-resilvered zpool status rpool
capj $R zpool-status-j-resilvered zpool status rpool
cap $R zpool-status-P-resilvered zpool status -P rpool
cap $R zpool-status-x-resilvered zpool status -x
echo done-c
