expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
trial_prepare 300
kbe create --be e2e-trial -d "trial whose health check fails" >"$OUT/create.out" 2>&1 || fail "kbe create --be e2e-trial: $(cat "$OUT/create.out")"
kbe mount e2e-trial /mnt/t >"$OUT/mount.out" 2>&1 || fail "kbe mount e2e-trial: $(cat "$OUT/mount.out")"
cat >/mnt/t/etc/systemd/system/e2e-failing-check.service <<'UNIT'
[Unit]
Description=e2e: an administrator's required health check that fails
Before=boot-complete.target
DefaultDependencies=no
After=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo "E2E-CHECK: failing the health check on purpose" >/dev/ttyS0; exit 1'

[Install]
RequiredBy=boot-complete.target
UNIT
mkdir -p /mnt/t/etc/systemd/system/boot-complete.target.requires
ln -sf ../e2e-failing-check.service /mnt/t/etc/systemd/system/boot-complete.target.requires/e2e-failing-check.service
kbe umount e2e-trial >"$OUT/umount.out" 2>&1 || fail "kbe umount e2e-trial: $(cat "$OUT/umount.out")"
echo "written before the trial" >/home/e2e-before-trial
start_trial e2e-trial
