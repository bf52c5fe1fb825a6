# Secure Boot (staged as enforcing) with unsigned zfs/spl .ko.xz: a real kupgrade re-signs them.
install_bins
use_local_repo
dpkg -i ./debs/openssl_*.deb >"$OUT/dpkg-openssl.log" 2>&1 || fail "cannot install openssl from the payload (see dpkg-openssl.log)"
apt-get install -y kldload-demo=1.0 >"$OUT/apt-install-1.0.log" 2>&1 || fail "apt-get install kldload-demo=1.0 failed"
k=$(uname -r)
d=/lib/modules/$k/updates/dkms
mkdir -p "$OUT/modules-before" "$OUT/modules-after"

# --- staged: the zfs modules as a distribution that compresses modules ships them --------------
# All of this OpenZFS 2.1 build's modules (zfs, spl and icp, zavl, zcommon, zlua, znvpair,
# zunicode, zzstd, which zfs.ko depends on): unsigned, debug info stripped, xz as modules_install.
for m in zfs spl; do [ -f "$d/$m.ko" ] || fail "no $d/$m.ko (zfs-dkms build missing?)"; done
modinfo -F depends "$d/zfs.ko" >"$OUT/zfs-depends" 2>&1 || true
for f in "$d"/*.ko; do
    m=$(basename "$f" .ko)
    modinfo -F signer "$f" >"$OUT/$m.signer-dkms" 2>&1 || true
    strip --strip-debug "$f"          # also drops an appended signature, if dkms had signed it
    xz -z -f --check=crc32 --lzma2=dict=1MiB "$f"
    [ -f "$d/$m.ko.xz" ] && [ ! -e "$f" ] || fail "$m.ko.xz not made"
    expect_eq "$m.ko.xz signer before" "" "$(modinfo -F signer "$d/$m.ko.xz")"
    expect_eq "$m.ko.xz sig_id before" "" "$(modinfo -F sig_id "$d/$m.ko.xz")"
    cp "$d/$m.ko.xz" "$OUT/modules-before/"
done
# dkms keeps its built copy in its tree; where modules are compressed it keeps that copy
# compressed too (dkms 3.0.10 install), and `dkms status` compares the two.
v=$(dkms status | sed -n 's#^zfs/\([^,:]*\)[,:].*#\1#p' | head -1)
t=/var/lib/dkms/zfs/$v/$k/$(uname -m)/module
for f in "$d"/*.ko.xz; do
    m=$(basename "$f" .ko.xz)
    [ -f "$t/$m.ko" ] || fail "no $t/$m.ko in the dkms tree"
    cp "$f" "$t/$m.ko.xz" && rm -f "$t/$m.ko"
done
depmod -a "$k"
dkms status >"$OUT/dkms-status-before" 2>&1 || true
! grep -q WARNING "$OUT/dkms-status-before" || fail "dkms status warns: $(cat "$OUT/dkms-status-before")"
modinfo -n zfs >"$OUT/modinfo-n-zfs" 2>&1 || true
expect_eq "modprobe's zfs file" "$d/zfs.ko.xz" "$(modinfo -n zfs)"

# --- the DKMS MOK key pair, made exactly as dkms 3.0.10 makes it (prepare_signing) --------------
if [ ! -f /var/lib/dkms/mok.key ] || [ ! -f /var/lib/dkms/mok.pub ]; then
    openssl req -new -x509 -nodes -days 36500 -subj "/CN=DKMS module signing key" \
        -newkey rsa:2048 -keyout /var/lib/dkms/mok.key \
        -outform DER -out /var/lib/dkms/mok.pub >"$OUT/openssl.log" 2>&1 || fail "openssl could not make the MOK key pair"
fi
cp /var/lib/dkms/mok.pub "$OUT/mok.pub"
openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial -subject >"$OUT/mok.pub.txt"

# --- staged: Secure Boot enforcing in efivars (SeaBIOS guest, no EFI) ---------------------------
[ ! -d /sys/firmware/efi ] || fail "this guest has EFI; the staging below assumes SeaBIOS"
mount -t tmpfs -o mode=0755,size=1M efivars-staged /sys/firmware
mkdir -p /sys/firmware/efi/efivars
printf '\006\000\000\000\001' >/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
printf '\006\000\000\000\000' >/sys/firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c
od -An -tx1 /sys/firmware/efi/efivars/* >"$OUT/efivars-staged"

# facts for the fixture's PROVENANCE.md
{ echo "kernel $k"; cat /sys/module/zfs/version; zfs version; date -u +%Y-%m-%dT%H:%M:%SZ; cat /etc/debian_version;
  readlink -f "/lib/modules/$k/build/scripts/sign-file"; grep '^CONFIG_MODULE_SIG_HASH=' "/boot/config-$k";
  dpkg-query -W -f='${Package} ${Version}\n' kmod xz-utils openssl dkms initramfs-tools zfs-dkms "linux-image-$k" "linux-headers-$k" apt dpkg;
  ls -l --time-style=full-iso "/boot/initrd.img-$k"; findmnt -n -o SOURCE /; findmnt -n -o SOURCE /var/lib || true; } >"$OUT/facts" 2>&1
sha256sum "$d"/*.ko.xz >"$OUT/sha256-before"
initrd_before=$(stat -c %Y "/boot/initrd.img-$k")
sync
run_kupgrade_recorded
umount /sys/firmware
sync
cp -a /root/rec "$OUT/rec" || fail "no recording in /root/rec"
cp /var/log/kupgrade.log "$OUT/kupgrade.log" 2>/dev/null || true
sha256sum "$d"/*.ko.xz >"$OUT/sha256-after"
for f in "$d"/*.ko.xz; do
    m=$(basename "$f" .ko.xz)
    cp "$f" "$OUT/modules-after/"
    modinfo "$f" | grep -E '^(sig_id|signer|sig_key|sig_hashalgo|vermagic):' >"$OUT/$m.modinfo-after" || true
    echo "$m $(modinfo -F signer "$f")" >>"$OUT/signers-after"
done
ls -l --time-style=full-iso "/boot/initrd.img-$k" >"$OUT/initrd-after" 2>&1
lsinitramfs "/boot/initrd.img-$k" | grep -E '/(zfs|spl)\.ko' >"$OUT/initrd-zfs-files" 2>&1 || true
rm -rf /tmp/initrd && mkdir -p /tmp/initrd && unmkinitramfs "/boot/initrd.img-$k" /tmp/initrd >/dev/null 2>&1 || true
zi=$(find /tmp/initrd -name 'zfs.ko*' | head -1)
[ -n "$zi" ] && cp "$zi" "$OUT/initrd-$(basename "$zi")"

expect_eq "kupgrade exit status" 0 "$rc"
signer=$(modinfo -F signer "$d/zfs.ko.xz")
expect_eq "zfs.ko.xz signer" "DKMS module signing key" "$signer"
expect_eq "spl.ko.xz signer" "DKMS module signing key" "$(modinfo -F signer "$d/spl.ko.xz")"
xz -t "$d/zfs.ko.xz" || fail "re-signed zfs.ko.xz does not decompress"
xz -t "$d/spl.ko.xz" || fail "re-signed spl.ko.xz does not decompress"
[ ! -e /run/kupgrade-sign ] || fail "/run/kupgrade-sign left behind"
[ "$(stat -c %Y "/boot/initrd.img-$k")" -gt "$initrd_before" ] || fail "initramfs of $k not rebuilt"
[ -n "$zi" ] || fail "no zfs.ko* in the rebuilt initramfs"
expect_eq "signer of $(basename "$zi") inside the initramfs" "DKMS module signing key" "$(modinfo -F signer "$zi")"
grep -q "update-initramfs" "$OUT/kupgrade.stdout" "$OUT/kupgrade.log" || note "update-initramfs not named in the output"
expect_eq "kldload-demo after" "kldload-demo 2.0" "$(kldload-demo)"
note "kupgrade exit $rc in $(cat "$OUT/kupgrade.seconds") s; zfs.ko.xz signer $signer"
