# Boot the new BE (moved layout); then cut the power during another kupgrade --new-be.
. ./lib-new-be.sh
install_bins
new=$(cat /home/e2e-new-be)
expect_eq "running BE" "$new" "$(root_dataset)"
expect_eq "kldload-demo" "kldload-demo 2.0" "$(kldload-demo)"
expect_eq "dpkg in the new BE" 2.0 "$(dpkg-query -W -f '${Version}' kldload-demo)"
expect_eq "dpkg resolves into the new BE" "$new" "$(findmnt -n -o SOURCE -T "$(readlink -f /var/lib/dpkg)")"
expect_eq "app data shared" "application data" "$(cat /var/lib/e2e-appdata/file)"
mkpkg kldload-big 1.0 "" 40
mkpkg kldload-big 2.0 "" 40
apt-get update >"$OUT/apt-update.log" 2>&1
apt-get install -y kldload-big=1.0 >"$OUT/apt-install-big.log" 2>&1 || fail "installing kldload-big 1.0 failed"
echo "$new" >/home/e2e-before-cut-bootfs
sync
echo 1 >/proc/sys/kernel/sysrq
(
    set +ex
    while :; do
        if ls /run/kbe/powercut-be/usr/share/kldload-big/*.dpkg-new >/dev/null 2>&1; then
            : >"$OUT/powercut"
            fsfreeze -f /xchg
            echo b >/proc/sysrq-trigger
        fi
        sleep 0.05
    done
) &
rc=0
env TZ=UTC /usr/local/bin/kupgrade --new-be powercut-be </dev/null >"$OUT/kupgrade.stdout" 2>"$OUT/kupgrade.stderr" || rc=$?
sleep 5
fail "kupgrade finished (exit $rc) before the power cut happened"
