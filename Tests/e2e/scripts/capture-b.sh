# Boot B of Tests/e2e/capture-zfs: the same disks as boot A except tank1 and
# solo0, which are detached: tank comes up DEGRADED, solo cannot be imported.
. ./capture-lib.sh
set -x
udevadm settle
U=unavail
cap $U proc-cmdline cat /proc/cmdline
cap $U zpool-status zpool status
cap $U zpool-status-x zpool status -x
cap $U zpool-status-P-tank zpool status -P tank
cap $U zpool-status-v-tank zpool status -v tank
capj $U zpool-status-j zpool status
capj $U zpool-status-j-tank zpool status tank
cap $U zpool-list-Hp zpool list -Hp
cap $U zpool-import-scan zpool import
cap $U zpool-import-cachefile zpool import -c /etc/zfs/zpool.cache
cap $U zpool-import-solo zpool import solo
cap $U zfs-list-Hp-be zfs list -Hp -t filesystem,volume,snapshot -r -o name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description rpool/ROOT
cap $U systemctl-zfs-import-cache systemctl status --no-pager zfs-import-cache.service
echo done-b
