#!/bin/bash
# Captures real listings of /lib/modules and /boot on the host with two Debian
# kernels (KNEW, KOLD) and the DKMS module kldload-hello installed, then removes
# the KOLD kernel image with apt-get (headers stay) and captures the leftover
# /lib/modules/KOLD directory, then removes the KOLD headers too.
# Usage: kernel-tree.sh KNEW KOLD   (run after dkms.sh and modinfo.sh)
set -eu
. "$(dirname "$0")/lib.sh"
KNEW="${1:?usage: kernel-tree.sh KNEW KOLD}"; KOLD="${2:?usage: kernel-tree.sh KNEW KOLD}"
OUT="$FIX/kernel-tree/debian12-two-kernels"
APT=(apt-get -o DPkg::Lock::Timeout=600)
# precondition: both kernels installed, kldload-hello installed for both
"${APT[@]}" install -y "linux-image-$KOLD" "linux-headers-$KOLD" "linux-image-$KNEW" "linux-headers-$KNEW" >/dev/null
for k in "$KNEW" "$KOLD"; do
    dkms status -m kldload-hello -v 1.0 -k "$k" | grep -q ': installed' || dkms install kldload-hello/1.0 -k "$k" >/dev/null
done
fresh "$OUT"
C() { local name="$1"; shift; cap "$OUT" "$name" "$@"; }
FIND=(find /lib/modules -maxdepth 4 '(' -name 'vmlinuz*' -o -name '*.ko*' -path '*dkms*' ')')

snap() {  # snap PREFIX
    C "$1-find-vmlinuz-dkms-ko" -- "${FIND[@]}"
    C "$1-find-vmlinuz-dkms-ko-sorted" -- sort "$OUT/$1-find-vmlinuz-dkms-ko.stdout"
    C "$1-ls-la-lib-modules-boot" -- ls -la /lib/modules /boot
    C "$1-find-lib-modules-maxdepth2" -- find /lib/modules -maxdepth 2
    C "$1-dkms-status" -- dkms status
}

C uname-r -- uname -r
snap 1-two-kernels
C 1-two-kernels-ls-la-kold -- ls -la "/lib/modules/$KOLD"
C 2-apt-get-remove-linux-image-kold DEBIAN_FRONTEND=noninteractive -- "${APT[@]}" -y remove "linux-image-$KOLD"
snap 2-after-image-removed
C 2-after-image-removed-find-kold -- find "/lib/modules/$KOLD"
C 3-apt-get-remove-linux-headers-kold DEBIAN_FRONTEND=noninteractive -- "${APT[@]}" -y remove "linux-headers-$KOLD"
snap 3-after-headers-removed
C 3-after-headers-removed-find-kold -- find "/lib/modules/$KOLD"

write_provenance "$OUT" "Kernel tree listings (/lib/modules, /boot) on the Debian 12 host" \
    "find (GNU findutils) $(find --version | head -1 | awk '{print $4}'), ls (GNU coreutils) $(ls --version | head -1 | awk '{print $4}'), dkms $(dkms --version | sed 's/dkms-//'), apt $(apt-get --version | head -1 | awk '{print $2}')" kernel-tree.sh \
"State at the start: Debian kernels linux-image-$KNEW and linux-image-$KOLD (+ their linux-headers) installed from the
Debian archive with apt-get (not booted; the running kernel is the VM's $(uname -r), which has no /lib/modules tree here
unless listed), DKMS module kldload-hello/1.0 installed for both kernels (\`dkms install kldload-hello/1.0 -k <k>\`), kldload-broken and
kldload-oldonly added (see Fixtures/dkms/). Prefix 1-: two kernels. Prefix 2-: after \`apt-get -y remove linux-image-$KOLD\`
(headers kept; the leftover /lib/modules/$KOLD directory is what remains). Prefix 3-: after also removing
linux-headers-$KOLD. The \`*-sorted\` files are \`sort\` run on the preceding capture file (the project sorts the find output
itself); the find expression is the one the project uses. The apt-get remove captures also show the kernel hook output
(DKMS prerm, initramfs, grub if any) as printed on this host."
