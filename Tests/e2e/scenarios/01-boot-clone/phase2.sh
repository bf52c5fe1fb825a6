# Phase 2: rebooted with root=zfs:AUTO; the clone must be the running root,
# with the checkpoint's /etc, and /home (its own dataset) must be unaffected.
expect_eq "root dataset after reboot" rpool/ROOT/e2e-clone "$(root_dataset)"
expect_eq "/etc/e2e-marker in the clone" before "$(cat /etc/e2e-marker)"
[ -f /home/e2e-home-file ] || fail "/home/e2e-home-file written after the checkpoint is missing"
expect_eq "origin of the clone" rpool/ROOT/default@e2e-checkpoint "$(zfs get -H -o value origin rpool/ROOT/e2e-clone)"
