# On upgrade-a: kldload-demo 3.0 ships a required health check that fails (an upgrade that breaks
# the system's health). kupgrade --new-be upgrade-b arms upgrade-b as a trial.
. ./lib-new-be.sh
install_bins
expect_eq "root dataset after a power cycle (the confirmed trial is the default)" rpool/ROOT/upgrade-a "$(root_dataset)"
expect_eq "bootfs after a power cycle" rpool/ROOT/upgrade-a "$(bootfs)"
expect_eq "BootCurrent (the ZFSBootMenu entry, not the trial's)" 0100 "$(efivar_hex BootCurrent)"
r=/tmp/pkg-demo-3.0; rm -rf "$r"
mkdir -p "$r/DEBIAN" "$r/usr/bin" "$r/usr/share/kldload-demo" "$r/etc/systemd/system/boot-complete.target.requires"
printf 'Package: kldload-demo\nVersion: 3.0\nArchitecture: all\nMaintainer: kldload e2e <e2e@localhost>\nDescription: kldload e2e demo package\n 3.0 breaks the health check.\n' >"$r/DEBIAN/control"
printf '#!/bin/sh\necho "kldload-demo 3.0"\n' >"$r/usr/bin/kldload-demo"; chmod 0755 "$r/usr/bin/kldload-demo"
echo 3.0 >"$r/usr/share/kldload-demo/VERSION"
cat >"$r/etc/systemd/system/e2e-demo-health.service" <<'UNIT'
[Unit]
Description=e2e: kldload-demo's required health check (fails in 3.0)
DefaultDependencies=no
After=local-fs.target
Before=boot-complete.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo "E2E-CHECK: kldload-demo 3.0 health check fails" >/dev/ttyS0; exit 1'

[Install]
RequiredBy=boot-complete.target
UNIT
ln -s ../e2e-demo-health.service "$r/etc/systemd/system/boot-complete.target.requires/e2e-demo-health.service"
f="$REPO/kldload-demo_3.0_all.deb"
dpkg-deb --root-owner-group -Znone -b "$r" "$f" >/dev/null || fail "building kldload-demo 3.0 failed"
{ echo; dpkg-deb -f "$f"; echo "Filename: ./kldload-demo_3.0_all.deb"; echo "Size: $(stat -c %s "$f")";
  echo "SHA256: $(sha256sum "$f" | cut -d' ' -f1)"; } >>"$REPO/Packages"
rec_run rec-broken --new-be upgrade-b
expect_eq "kupgrade --new-be upgrade-b exit" 0 "$rc"
grep -q "next boot: rpool/ROOT/upgrade-b, once, as a trial" "$OUT/rec-broken/kupgrade.stdout" \
    || fail "upgrade-b is not armed as a trial: $(tail -12 "$OUT/rec-broken/kupgrade.stdout" | tr '\n' '|')"
expect_eq "bootfs (a trial does not move it)" rpool/ROOT/upgrade-a "$(bootfs)"
expect_eq "running kldload-demo unchanged" "kldload-demo 2.0" "$(kldload-demo)"
echo "written on upgrade-a before the broken trial" >/home/e2e-before-broken
note "$(boot_facts); trial of upgrade-b armed"
sync
