# Boot D of Tests/e2e/capture-zfs (OpenZFS 2.2+ guests only): the status formats
# that came after 2.1, on pools of sparse files in /srv (rpool/srv):
# raidz expansion (zpool attach to a raidz vdev, 2.3), a sequential resilver
# (zpool attach -s, "resilver (mirror-0)"), a dRAID distributed-spare rebuild,
# and an error scrub (zpool scrub -e, 2.2). Text and JSON of each state.
. ./capture-lib.sh
set -x
udevadm settle
V=/srv/vdevs
mkdir -p $V
for f in r0 r1 r2 r3 m0 m1 m2 d0 d1 d2 d3 d4; do truncate -s 512M $V/$f; done

# --- raidz expansion ---------------------------------------------------------
X=expand
cap $X zpool-create-raidz zpool create -f -o ashift=12 expool raidz1 $V/r0 $V/r1 $V/r2
dd if=/dev/urandom of=/expool/blob bs=1M count=256 status=none
zpool sync expool
cap $X zpool-status-before zpool status expool
cap $X zpool-attach-raidz zpool attach expool raidz1-0 $V/r3
cap $X zpool-status-expanding zpool status expool
capj $X zpool-status-j-expanding zpool status expool
sleep 5
cap $X zpool-status-expanding-2 zpool status expool
cap $X zpool-status-x-expanding zpool status -x expool
cap $X zpool-wait-raidz-expand zpool wait -t raidz_expand expool
cap $X zpool-status-expanded zpool status expool
capj $X zpool-status-j-expanded zpool status expool
cap $X zpool-list-Hp-expanded zpool list -Hp expool

# --- sequential resilver (rebuild) of a mirror ---------------------------------
Q=rebuild
cap $Q zpool-create-mirror zpool create -f -o ashift=12 seqpool mirror $V/m0 $V/m1
dd if=/dev/urandom of=/seqpool/blob bs=1M count=256 status=none
zpool sync seqpool
cap $Q zpool-detach zpool detach seqpool $V/m1
cap $Q zpool-attach-s zpool attach -s seqpool $V/m0 $V/m2
cap $Q zpool-status-rebuilding zpool status seqpool
capj $Q zpool-status-j-rebuilding zpool status seqpool
cap $Q zpool-wait-resilver zpool wait -t resilver seqpool
cap $Q zpool-status-rebuilt zpool status seqpool
capj $Q zpool-status-j-rebuilt zpool status seqpool
cap $Q zpool-wait-scrub zpool wait -t scrub seqpool
cap $Q zpool-status-rebuilt-scrubbed zpool status seqpool
capj $Q zpool-status-j-rebuilt-scrubbed zpool status seqpool

# --- dRAID with a distributed spare ---------------------------------------------
R=draid
cap $R zpool-create-draid zpool create -f -o ashift=12 dpool draid1:2d:5c:1s $V/d0 $V/d1 $V/d2 $V/d3 $V/d4
dd if=/dev/urandom of=/dpool/blob bs=1M count=128 status=none
zpool sync dpool
cap $R zpool-status-healthy zpool status dpool
capj $R zpool-status-j-healthy zpool status dpool
cap $R zpool-offline zpool offline dpool $V/d1
cap $R zpool-replace-spare zpool replace dpool $V/d1 draid1-0-0
cap $R zpool-status-rebuilding zpool status dpool
capj $R zpool-status-j-rebuilding zpool status dpool
cap $R zpool-wait-resilver zpool wait -t resilver dpool
cap $R zpool-status-rebuilt zpool status dpool
capj $R zpool-status-j-rebuilt zpool status dpool
cap $R zpool-status-x zpool status -x dpool

# --- error scrub (scrub -e) ------------------------------------------------------
E=errorscrub
cap $E zpool-scrub-e zpool scrub -e seqpool
cap $E zpool-status zpool status seqpool
capj $E zpool-status-j zpool status seqpool
cap $E zpool-status-all zpool status
capj $E zpool-status-j-all zpool status

for p in expool seqpool dpool; do zpool destroy $p; done
rm -rf $V
echo done-d
