# kupgrade installs the backports kernel in place; DKMS cannot build zfs for it.
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
expect_eq "/var/lib in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /var/lib)"
install_bins
use_local_repo
mkdir -p /srv/kldload-kernel-repo
cp ./kernel-repo/* /srv/kldload-kernel-repo/
echo 'deb [trusted=yes] file:/srv/kldload-kernel-repo ./' >/etc/apt/sources.list.d/kldload-e2e-kernel.list
apt-get update -qq >/dev/null 2>&1 || apt-get update
old=$(cat /home/e2e-old-kernel)
run_kupgrade_recorded
cp -a /root/rec "$OUT/rec" || true
ls /boot >"$OUT/boot-after"
expect_eq "kupgrade exit (ZFS cannot load on the kernel that boots next)" 5 "$rc"
grep -q "DO NOT REBOOT" "$OUT/kupgrade.stdout" || fail "no DO NOT REBOOT in kupgrade's summary"
new=$(ls /boot | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
[ "$new" != "$old" ] || fail "no newer kernel in /boot: $(ls /boot | tr '\n' ' ')"
case $new in 7.3.4*) ;; *) fail "the newest kernel is $new, not the backports 7.3.4" ;; esac
[ -f "/boot/initrd.img-$new" ] || fail "no initramfs for $new"
if find "/lib/modules/$new" -name 'zfs.ko*' | grep -q .; then fail "a zfs module for $new exists"; fi
snap=$(zfs list -H -t snapshot -o name | grep '^rpool/ROOT/default@pre-upgrade-' | head -1)
[ -n "$snap" ] || fail "no checkpoint taken"
cp=${snap#*@}
grep -q "kbe activate $cp" "$OUT/kupgrade.stdout" || fail "kupgrade's summary does not offer kbe activate $cp"
echo "$cp" >/home/e2e-checkpoint-name
echo "$new" >/home/e2e-new-kernel
echo "written after the checkpoint" >/home/e2e-after-checkpoint
kbe activate "$cp" >"$OUT/kbe-activate.out" 2>&1 || fail "kbe activate $cp failed: $(cat "$OUT/kbe-activate.out")"
expect_eq "bootfs after kbe activate" "rpool/ROOT/$cp" "$(bootfs)"
note "kupgrade exit $rc; new kernel $new; checkpoint $cp activated"
sync
