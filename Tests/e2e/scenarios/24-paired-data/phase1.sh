# Pair a data dataset, upgrade (the postinst migrates the data), activate the checkpoint with data.
. ./lib-paired.sh
install_bins
use_local_repo
{ uname -r; cat /sys/module/zfs/version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version; } >"$OUT/facts" 2>&1
/usr/local/bin/kbe move-pkgdb --yes </dev/null >"$OUT/move-pkgdb.out" 2>&1 || fail "kbe move-pkgdb failed"
zfs create rpool/srv/kldb
apt-get install -y kldload-db=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-db=1.0 failed"
expect_eq "database format before" format=1 "$(db_format /srv/kldb)"
expect_eq "kldload-db 1.0" "kldload-db 1.0 reads format 1: rows=alice,bob" "$(kldload-db)"
# Pairing, and what is refused.
rec_kbe rec-pair-be pair rpool/ROOT/default
expect_eq "pair a BE: exit" 3 "$rc"
rec_kbe rec-pair-missing pair rpool/srv/nothing-here
expect_eq "pair a missing dataset: exit" 4 "$rc"
rec_kbe rec-list-before list --json
expect_eq "list --json before pairing: exit" 0 "$rc"
rec_kbe rec-pair pair rpool/srv/kldb
expect_eq "pair: exit" 0 "$rc"
expect_eq "the mark" "on	local" "$(zfs get -H -o value,source org.kldload:paired rpool/srv/kldb)"
rec_kbe rec-pair-again pair rpool/srv/kldb
expect_eq "pair again: exit" 0 "$rc"
grep -q "already paired" "$OUT/rec-pair-again/kbe.stdout" || fail "pairing twice does not say 'already paired'"
rec_kbe rec-list list --json
expect_eq "list --json: exit" 0 "$rc"
grep -q '"rpool/srv/kldb"' "$OUT/rec-list/kbe.stdout" || fail "kbe list --json does not name rpool/srv/kldb"
# A checkpoint of kbe's own takes the paired dataset along.
rec_kbe rec-create create before-kldb
expect_eq "kbe create: exit" 0 "$rc"
zfs list -H -o name rpool/srv/kldb@before-kldb >/dev/null 2>&1 || fail "kbe create did not snapshot rpool/srv/kldb"
# kupgrade: the checkpoint includes the paired dataset; kldload-db 2.0 migrates the data.
rec_run rec-kupgrade --yes
expect_eq "kupgrade exit" 0 "$rc"
snap=$(zfs list -H -t snapshot -o name -s createtxg | grep '^rpool/ROOT/default@pre-upgrade-' | tail -n 1)
[ -n "$snap" ] || fail "no pre-upgrade checkpoint"
name=${snap#*@}
echo "$name" >/home/e2e-checkpoint-name
expect_eq "paired snapshot taken" "rpool/srv/kldb@$name" "$(zfs list -H -o name "rpool/srv/kldb@$name" 2>&1)"
expect_eq "same atomic snapshot (createtxg)" "$(zfs get -H -p -o value createtxg "$snap")" "$(zfs get -H -p -o value createtxg "rpool/srv/kldb@$name")"
expect_eq "database format after the upgrade" format=2 "$(db_format /srv/kldb)"
expect_eq "kldload-db 2.0" "kldload-db 2.0 reads format 2: rows=alice;bob" "$(kldload-db)"
expect_eq "checkpoint keeps format 1" format=1 "$(db_format "/srv/kldb/.zfs/snapshot/$name")"
zfs get -H -p -o value written@"$name" rpool/srv/kldb >"$OUT/written-since-checkpoint"
zfs diff -H -t "rpool/srv/kldb@$name" >"$OUT/zfs-diff-t" 2>&1 || true
# Activation needs a choice outside a terminal; --with-data clones the data beside it.
rec_kbe rec-activate-nochoice activate "$name"
expect_eq "activate without --with-data/--without-data: exit" 2 "$rc"
grep -q -- "--with-data" "$OUT/rec-activate-nochoice/kbe.stderr" || fail "the refusal does not name --with-data"
expect_eq "bootfs unchanged after the refusal" rpool/ROOT/default "$(bootfs)"
rec_kbe rec-activate activate "$name" --with-data
expect_eq "activate --with-data: exit" 0 "$rc"
expect_eq "bootfs" "rpool/ROOT/$name" "$(bootfs)"
expect_eq "data clone origin" "rpool/srv/kldb@$name" "$(zfs get -H -o value origin "rpool/srv/kldb-$name")"
expect_eq "data clone canmount" noauto "$(zfs get -H -o value canmount "rpool/srv/kldb-$name")"
expect_eq "data clone mountpoint" /srv/kldb "$(zfs get -H -o value mountpoint "rpool/srv/kldb-$name")"
expect_eq "live data untouched" format=2 "$(db_format /srv/kldb)"
grep -q "zfs mount rpool/srv/kldb-$name" "$OUT/rec-activate/kbe.stdout" || fail "activate does not print how to mount the clone"
sync
