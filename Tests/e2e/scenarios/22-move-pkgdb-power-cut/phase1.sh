# kbe move-pkgdb on the harness layout (/var/lib on rpool/var/lib), then kupgrade --new-be.
. ./lib-new-be.sh
install_bins
repo_in_be
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
mkdir -p /var/lib/e2e-appdata && echo "application data" >/var/lib/e2e-appdata/file
expect_eq "/var/lib source" rpool/var/lib "$(findmnt -n -o SOURCE /var/lib)"
/usr/local/bin/kbe move-pkgdb --dry-run </dev/null >"$OUT/move-dry.out" 2>&1 || fail "move-pkgdb --dry-run failed"
[ -d /var/lib/dpkg ] && [ ! -L /var/lib/dpkg ] || fail "--dry-run changed /var/lib/dpkg"
rm -rf /root/rec-move; mkdir -p "$OUT/rec-move"
rc=0; env TZ=UTC KLDLOAD_RECORD=/root/rec-move /usr/local/bin/kbe move-pkgdb --yes </dev/null >"$OUT/rec-move/kbe.stdout" 2>"$OUT/rec-move/kbe.stderr" || rc=$?
echo "$rc" >"$OUT/rec-move/kbe.exit"; cp -a /root/rec-move "$OUT/rec-move/rec"
expect_eq "move-pkgdb exit" 0 "$rc"
expect_eq "dpkg link" ../../usr/lib/sysimage/dpkg "$(readlink /var/lib/dpkg)"
expect_eq "apt link" ../../usr/lib/sysimage/apt "$(readlink /var/lib/apt)"
expect_eq "dpkg now in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /usr/lib/sysimage/dpkg)"
expect_eq "app data stays" rpool/var/lib "$(findmnt -n -o SOURCE -T /var/lib/e2e-appdata)"
zfs list -H -o name -t snapshot | grep -E '^rpool/(ROOT/default|var/lib)@pre-move-pkgdb-' >"$OUT/move-checkpoints"
expect_eq "checkpoint of both" 2 "$(wc -l <"$OUT/move-checkpoints" | tr -d ' ')"
expect_eq "dpkg works" 1.0 "$(dpkg-query -W -f '${Version}' kldload-demo)"
/usr/local/bin/kbe list >"$OUT/kbe-list-after-move" 2>&1
rec_run rec-after-move --new-be
expect_eq "--new-be after the move: exit" 0 "$rc"
new=$(new_bes); echo "$new" >/home/e2e-new-be
expect_eq "bootfs" "$new" "$(bootfs)"
expect_eq "running BE still 1.0" 1.0 "$(dpkg-query -W -f '${Version}' kldload-demo)"
sync
