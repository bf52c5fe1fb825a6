# Harness layout (/var/lib on rpool/var/lib): kupgrade --new-be is refused, nothing made.
. ./lib-new-be.sh
install_bins
repo_in_be
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
expect_eq "/var/lib source" rpool/var/lib "$(findmnt -n -o SOURCE /var/lib)"
rec_run rec-split --new-be
expect_eq "split refused: exit" 3 "$rc"
grep -q "package database is on rpool/var/lib" "$OUT/rec-split/kupgrade.stdout" || fail "refusal does not name rpool/var/lib"
expect_eq "no new BE after the refusal" "" "$(new_bes)"
pkgdb_into_be
