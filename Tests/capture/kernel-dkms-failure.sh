#!/bin/bash
# Captures what apt-get prints on the host when a kernel package's postinst
# fails because a DKMS module does not build: kldload-broken is added to DKMS,
# then linux-image-KOLD is reinstalled (its /etc/kernel/postinst.d/dkms hook runs
# `dkms autoinstall`, which fails, so dpkg leaves the package half-configured).
# Afterwards: dpkg --audit, then the module is removed and `dpkg --configure -a`
# finishes the configuration (also captured). Leaves the host clean.
# Usage: kernel-dkms-failure.sh KOLD   (after dkms.sh; linux-image-KOLD and headers installed)
set -eu
. "$(dirname "$0")/lib.sh"
KOLD="${1:?usage: kernel-dkms-failure.sh KOLD}"
SRC="$(cd "$(dirname "$0")/dkms-src" && pwd)"
APTVER=$(apt-get --version | head -1 | awk '{print $2}')
OUT="$FIX/apt/$APTVER-debian12-host-kernel-dkms-failure"
APT=(apt-get -o DPkg::Lock::Timeout=600)

# make sure the modules that are not meant to be in this scenario are gone
dkms remove kldload-oldonly/1.0 --all >/dev/null 2>&1 || true
dkms remove kldload-broken/1.0 --all >/dev/null 2>&1 || true
rm -rf /usr/src/kldload-broken-1.0; cp -a "$SRC/kldload-broken-1.0" /usr/src/
dkms add kldload-broken/1.0 >/dev/null

fresh "$OUT"
cap "$OUT" dkms-status-before -- dkms status
cap "$OUT" apt-get-reinstall-kernel-dkms-fails DEBIAN_FRONTEND=noninteractive -- "${APT[@]}" -y install --reinstall "linux-image-$KOLD"
cap "$OUT" dpkg-audit -- dpkg --audit
cap "$OUT" dpkg-query-kernel -- dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n' "linux-image-$KOLD" "linux-headers-$KOLD"
cap "$OUT" apt-get-s-dist-upgrade-while-half-configured -- "${APT[@]}" -s dist-upgrade
dkms remove kldload-broken/1.0 --all >/dev/null
cap "$OUT" dpkg-configure-a-after-fix -- dpkg --configure -a
cap "$OUT" dpkg-audit-after-fix -- dpkg --audit

write_provenance "$OUT" "apt-get on the host: kernel package postinst fails on a broken DKMS module" \
    "$(apt-get --version | head -1); $(dpkg --version | head -1); $(dkms --version)" kernel-dkms-failure.sh \
"Debian 12 host with linux-image-$KOLD and linux-headers-$KOLD installed from the Debian archive (not booted) and the DKMS
module kldload-hello installed; kldload-broken/1.0 (Tests/capture/dkms-src, compile error) added with \`dkms add\` just before.
\`apt-get install --reinstall linux-image-$KOLD\` runs the kernel's postinst, whose /etc/kernel/postinst.d/dkms hook runs
dkms autoinstall; the build fails, so the package is left half-configured (iF) and apt-get exits 100. Then
\`dkms remove kldload-broken/1.0 --all\` (not captured) and \`dpkg --configure -a\` completes the configuration.
Note (seen while preparing this): with dkms 3.0.10 a module skipped by BUILD_EXCLUSIVE_KERNEL also makes \`dkms autoinstall\`
exit 11 and thus breaks kernel package configuration the same way (upstream dkms-project/dkms issue #302, fixed by PR #314
in later dkms); see Fixtures/dkms/ autoinstall-* captures. apt-get-s-dist-upgrade-while-half-configured shows the host's
real pending Debian updates at capture time.
The \`N: Ignoring file ...disabled-by-farm...\` lines on stderr are apt notices about two disabled third-party source
files that exist in /etc/apt/sources.list.d/ on this VM; they are real apt output and were left as captured."
