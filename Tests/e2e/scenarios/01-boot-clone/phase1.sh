# Phase 1: the pool booted from its bootfs; checkpoint, clone, point bootfs at the clone.
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
expect_eq "bootfs" rpool/ROOT/default "$(bootfs)"
echo before >/etc/e2e-marker
sync
zfs snapshot rpool/ROOT/default@e2e-checkpoint
zfs clone -o canmount=noauto -o mountpoint=/ rpool/ROOT/default@e2e-checkpoint rpool/ROOT/e2e-clone
echo after >/etc/e2e-marker
echo "written after the checkpoint" >/home/e2e-home-file
zpool set bootfs=rpool/ROOT/e2e-clone rpool
sync
