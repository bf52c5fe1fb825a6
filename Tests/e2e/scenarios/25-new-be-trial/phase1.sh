# Setup in default: units (trial timeout 300 s), repository in the BE, kldload-demo 1.0, and the
# package database moved into the BE (effective from the next boot).
. ./lib-new-be.sh
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
trial_prepare 300
repo_in_be
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
pkgdb_into_be
note "$(boot_facts)"
