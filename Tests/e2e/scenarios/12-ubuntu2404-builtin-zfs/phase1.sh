# Ubuntu 24.04 (staged) with zfs built into the kernel package: a real kupgrade finds it built-in.
install_bins
use_local_repo
dpkg -i ./debs/zstd_*.deb >"$OUT/dpkg-zstd.log" 2>&1 || fail "cannot install zstd from the payload (see dpkg-zstd.log)"
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
k=$(uname -r)
d=/lib/modules/$k
dkms status >"$OUT/dkms-status-dkms" 2>&1 || true
v=$(sed -n 's#^zfs/\([^,:]*\)[,:].*#\1#p' "$OUT/dkms-status-dkms" | head -1)
[ -n "$v" ] || fail "no zfs in dkms status: $(cat "$OUT/dkms-status-dkms")"

# --- staged: the modules where Ubuntu's kernel package has them ----------------------------------
mkdir -p "$d/kernel/zfs"
for f in "$d"/updates/dkms/*.ko; do
    b=$(basename "$f")
    cp "$f" "$d/kernel/zfs/$b"
    strip --strip-debug "$d/kernel/zfs/$b"
    zstd -T0 --rm -f -q "$d/kernel/zfs/$b"
done
ls -l "$d/kernel/zfs" >"$OUT/kernel-zfs-files"
[ -f "$d/kernel/zfs/zfs.ko.zst" ] && [ -f "$d/kernel/zfs/spl.ko.zst" ] || fail "zfs/spl .ko.zst not made"
# --- staged: no zfs in DKMS (Ubuntu has no zfs-dkms) ------------------------------------------------
dkms remove "zfs/$v" --all >"$OUT/dkms-remove.log" 2>&1 || fail "dkms remove zfs/$v --all failed (see dkms-remove.log)"
depmod -a "$k"
dkms status >"$OUT/dkms-status-before" 2>&1 || true
! grep -q '^zfs/' "$OUT/dkms-status-before" || fail "zfs still in dkms status"
ls "$d/updates/dkms" >"$OUT/updates-dkms-left" 2>&1 || true
expect_eq "modprobe's zfs file" "$d/kernel/zfs/zfs.ko.zst" "$(modinfo -n zfs)"
case "$(modinfo -F vermagic "$d/kernel/zfs/zfs.ko.zst")" in "$k "*) ;; *) fail "zfs.ko.zst vermagic does not start with $k" ;; esac
# --- staged: os-release of Ubuntu 24.04 (public sample) --------------------------------------------
ls -l /etc/os-release >"$OUT/os-release-debian" 2>&1
rm -f /etc/os-release
cp ./ubuntu-24.04.os-release /etc/os-release

{ echo "kernel $k"; cat /sys/module/zfs/version; zfs version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version;
  dpkg-query -W -f='${Package} ${Version}\n' kmod zstd dkms zfsutils-linux "linux-image-$k" apt dpkg;
  findmnt -n -o SOURCE /; findmnt -n -o SOURCE /var/lib || true; } >"$OUT/facts" 2>&1
sha256sum "$d"/kernel/zfs/*.ko.zst >"$OUT/sha256-before"
sync
run_kupgrade_recorded
cp -a /root/rec "$OUT/rec" || fail "no recording in /root/rec"
cp /var/log/kupgrade.log "$OUT/kupgrade.log" 2>/dev/null || true
sha256sum "$d"/kernel/zfs/*.ko.zst >"$OUT/sha256-after"
dkms status >"$OUT/dkms-status-after" 2>&1 || true

expect_eq "kupgrade exit status" 0 "$rc"
cmp -s "$OUT/sha256-before" "$OUT/sha256-after" || fail "kupgrade changed the built-in modules"
! grep -rqx autoinstall "$OUT"/rec/commands/*/argv || fail "kupgrade ran dkms autoinstall"
grep -q "built-in" "$OUT/kupgrade.stdout" || fail "kupgrade did not report the zfs module as built-in"
expect_eq "kldload-demo after" "kldload-demo 2.0" "$(kldload-demo)"
note "kupgrade exit $rc in $(cat "$OUT/kupgrade.seconds") s"
