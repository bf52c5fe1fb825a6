# After the power cut: the untouched BE boots; the next kupgrade finds the leftover and marks it.
. ./lib-new-be.sh
install_bins
before=$(cat /home/e2e-before-cut-bootfs)
expect_eq "bootfs unchanged by the cut" "$before" "$(bootfs)"
expect_eq "booted the untouched BE" "$before" "$(root_dataset)"
expect_eq "kldload-big still 1.0" 1.0 "$(dpkg-query -W -f '${Version}' kldload-big)"
dpkg --audit >"$OUT/dpkg-audit" 2>&1 || true
[ ! -s "$OUT/dpkg-audit" ] || fail "dpkg --audit is not clean on the running BE"
expect_eq "leftover marker" in-progress "$(zfs get -H -o value org.kldload:new-be rpool/ROOT/powercut-be)"
rec_run rec-leftover --new-be
grep -q "found rpool/ROOT/powercut-be" "$OUT/rec-leftover/kupgrade.stdout" || fail "leftover not reported"
expect_eq "leftover marked" interrupted "$(zfs get -H -o value org.kldload:new-be rpool/ROOT/powercut-be)"
expect_eq "leftover run exit" 0 "$rc"
sync
