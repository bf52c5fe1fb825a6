#!/bin/bash
# Removes what the capture scripts left on the host: the DKMS test modules and
# their /usr/src copies, the throwaway repositories, roots and build dirs, and
# the kbuild user. Leaves the Debian kernels/headers that were installed.
set -u
for m in kldload-hello kldload-broken kldload-oldonly; do
    dkms remove "$m/1.0" --all >/dev/null 2>&1 || true
    rm -rf "/usr/src/$m-1.0" "/var/lib/dkms/$m"
done
for d in /srv/kldload-aptroot; do
    umount "$d/dev/pts" "$d/proc" 2>/dev/null || true
done
rm -rf /srv/kldload-aptroot /srv/kldload-aptroot.old /srv/kldload-rpmrepo /srv/kldload-pacrepo \
       /tmp/kldload-debs /tmp/kldload-rpms /tmp/dnfroot /tmp/kldload-dnf /tmp/kldload-pkgbuild /tmp/pacroot \
       /tmp/kldload-pacman /tmp/kldload-modinfo /tmp/kldload-demo.conf.after-confold
# dnf-zfs.sh (it removes its /lib/modules/<fc release> directories and a MOK pair it made itself)
rm -rf /srv/kldload-rpmrepo-rocky9 /srv/kldload-rpmrepo-fedora40 /tmp/dnfroot-rocky9 /tmp/dnfroot-fedora40 \
       /tmp/kldload-dnf-zfs /tmp/kldload-kh
id kbuild >/dev/null 2>&1 && userdel -r kbuild 2>/dev/null
dpkg --audit
echo "cleanup done"
