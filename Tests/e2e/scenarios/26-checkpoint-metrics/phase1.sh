# Checkpoint metrics written by kbe and kupgrade (README).
install_bins
use_local_repo
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
{ uname -r; zfs version; cat /etc/debian_version; date -u +%Y-%m-%dT%H:%M:%SZ; } >"$OUT/facts" 2>&1
D=/var/lib/prometheus/node-exporter
F=$D/kldload_checkpoints.prom
count() { zfs list -H -t snapshot -d 1 -o name rpool/ROOT/default | wc -l; }
oldest() { zfs list -Hp -t snapshot -r -o name,creation rpool/ROOT | awk -F'\t' '$1 ~ /^rpool\/ROOT\/[^\/@]+@/ {print $2}' | sort -n | head -1; }
check() { # what
    [ -f "$F" ] || fail "$1: $F not written"
    n=$(count)
    grep -qxF "kldload_be_checkpoints{be=\"rpool/ROOT/default\"} $n" "$F" || fail "$1: $F does not say $n checkpoints of rpool/ROOT/default: $(grep '^kldload_be' "$F" | tr '\n' ' ')"
    o=$(oldest)
    grep -qxF "kldload_checkpoint_oldest_timestamp_seconds $o" "$F" || fail "$1: oldest checkpoint is $o, $F says: $(grep '^kldload_checkpoint_oldest' "$F")"
    extra=$(ls -A "$D" | grep -v '^kldload_checkpoints.prom$' | grep -v '^kldload_kupgrade.prom$' || true)
    [ -z "$extra" ] || fail "$1: left in $D: $extra"
}
mkdir -p /etc/kldload
echo "textfile_dir = $D" >/etc/kldload/kupgrade.conf
/usr/local/bin/kbe create e2e-m0 >"$OUT/kbe-create-m0.out" 2>&1 || fail "kbe create e2e-m0: $(cat "$OUT/kbe-create-m0.out")"
[ -e "$D" ] && fail "kbe created $D (it must only write into an existing directory)"
mkdir -p "$D"
rm -rf /root/rec-kbe
env TZ=UTC KLDLOAD_RECORD=/root/rec-kbe /usr/local/bin/kbe create e2e-m1 </dev/null >"$OUT/kbe-create-m1.stdout" 2>"$OUT/kbe-create-m1.stderr" || fail "kbe create e2e-m1: $(cat "$OUT/kbe-create-m1.stderr")"
cp -a /root/rec-kbe "$OUT/rec-kbe"
check "after kbe create"
cp "$F" "$OUT/after-create.prom"
zfs list -Hp -t snapshot -r -o name,creation rpool/ROOT >"$OUT/snapshots-after-create" 2>&1
/usr/local/bin/kbe destroy --yes e2e-m1 >"$OUT/kbe-destroy.out" 2>&1 || fail "kbe destroy e2e-m1: $(cat "$OUT/kbe-destroy.out")"
check "after kbe destroy"
cp "$F" "$OUT/after-destroy.prom"
rm -rf /root/rec
rc=0
env TZ=UTC KLDLOAD_RECORD=/root/rec /usr/local/bin/kupgrade --metrics-dir "$D" </dev/null >"$OUT/kupgrade.stdout" 2>"$OUT/kupgrade.stderr" || rc=$?
echo "$rc" >"$OUT/kupgrade.exit"
cp -a /root/rec "$OUT/rec"
cp /var/log/kupgrade.log "$OUT/kupgrade.log" 2>/dev/null || true
expect_eq "kupgrade exit status" 0 "$rc"
[ -f "$D/kldload_kupgrade.prom" ] || fail "kupgrade did not write $D/kldload_kupgrade.prom"
check "after kupgrade"
cp "$F" "$OUT/after-kupgrade.prom"
cp "$D/kldload_kupgrade.prom" "$OUT/kldload_kupgrade.prom"
zfs list -Hp -t snapshot -r -o name,creation rpool/ROOT >"$OUT/snapshots-after-kupgrade" 2>&1
note "checkpoints of default: $(count); oldest $(oldest)"
sync
