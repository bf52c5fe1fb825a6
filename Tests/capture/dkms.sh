#!/bin/bash
# Captures real DKMS output on the host for two Debian kernels whose headers
# are installed from the Debian archive (the running kernel is the VM's own,
# without headers). Modules come from Tests/capture/dkms-src/:
#   kldload-hello/1.0   builds and installs (into /lib/modules/<kver>/updates/dkms)
#   kldload-broken/1.0  compile error (calls an undeclared function)
#   kldload-oldonly/1.0 BUILD_EXCLUSIVE_KERNEL="^4\." -> skipped on 6.1
# Usage: dkms.sh KNEW KOLD  (e.g. 6.1.0-56-amd64 6.1.0-55-amd64; both need linux-headers-<k>)
set -eu
. "$(dirname "$0")/lib.sh"
KNEW="${1:?usage: dkms.sh KNEW KOLD}"; KOLD="${2:?usage: dkms.sh KNEW KOLD}"
SRC="$(cd "$(dirname "$0")/dkms-src" && pwd)"
DKMSVER=$(dkms --version | sed 's/^dkms-//')
OUT="$FIX/dkms/$DKMSVER-debian$DEBIAN_RELEASE"

# start from a clean slate
for m in kldload-hello kldload-broken kldload-oldonly; do
    dkms remove "$m/1.0" --all >/dev/null 2>&1 || true
    rm -rf "/usr/src/$m-1.0" "/var/lib/dkms/$m"
    cp -a "$SRC/$m-1.0" "/usr/src/$m-1.0"
done
fresh "$OUT"
C() { local name="$1"; shift; cap "$OUT" "$name" "$@"; }

C status-empty -- dkms status
C add-hello -- dkms add kldload-hello/1.0
C status-added -- dkms status
C build-hello -- dkms build kldload-hello/1.0 -k "$KNEW"
C status-built -- dkms status
C install-hello -- dkms install kldload-hello/1.0 -k "$KNEW"
C status-installed -- dkms status
C autoinstall-success -- dkms autoinstall -k "$KOLD"
C autoinstall-nothing-to-do -- dkms autoinstall -k "$KOLD"
C status-installed-two-kernels -- dkms status

C add-broken -- dkms add kldload-broken/1.0
C add-oldonly -- dkms add kldload-oldonly/1.0
C status-with-added -- dkms status
C build-broken-fails -- dkms build kldload-broken/1.0 -k "$KNEW"
cp "/var/lib/dkms/kldload-broken/1.0/build/make.log" "$OUT/kldload-broken-make.log"
C build-oldonly-excluded -- dkms build kldload-oldonly/1.0 -k "$KNEW"
C autoinstall-with-broken -- dkms autoinstall -k "$KNEW"
C autoinstall-with-broken-old-kernel -- dkms autoinstall -k "$KOLD"
C autoinstall-running-kernel-no-headers -- dkms autoinstall
C status-all -- dkms status
C status-k-new -- dkms status -k "$KNEW"
C status-k-old -- dkms status -k "$KOLD"
C status-m-hello -- dkms status -m kldload-hello
C status-m-hello-v-k-new -- dkms status -m kldload-hello -v 1.0 -k "$KNEW"
C uninstall-hello-old -- dkms uninstall kldload-hello/1.0 -k "$KOLD"
C status-after-uninstall-old -- dkms status
cp "/var/lib/dkms/kldload-hello/1.0/$KNEW/x86_64/log/make.log" "$OUT/kldload-hello-make.log" 2>/dev/null || true

write_provenance "$OUT" "DKMS captures (Debian $DEBIAN_RELEASE $CAPTURE_PLACE)" "$(dkms --version) (Debian package dkms $(dpkg-query -W -f '${Version}' dkms)); kernel headers: linux-headers-$KNEW $(dpkg-query -W -f '${Version}' linux-headers-$KNEW), linux-headers-$KOLD $(dpkg-query -W -f '${Version}' linux-headers-$KOLD); gcc $(gcc -dumpfullversion)" dkms.sh \
"Module sources are in Tests/capture/dkms-src/ (copied to /usr/src/<name>-1.0): kldload-hello (builds), kldload-broken
(compile error: calls an undeclared function), kldload-oldonly (\`BUILD_EXCLUSIVE_KERNEL=\"^4\\.\"\`, so DKMS skips it on $(echo "$KNEW" | cut -d. -f1-2)).
Kernels: $KNEW and $KOLD are Debian kernels whose linux-headers$( [ "$CAPTURE_PLACE" = host ] && echo " (and linux-image)") packages were installed from the
Debian archive; the running kernel ($(uname -r)) is the VM's own and has no headers (see
autoinstall-running-kernel-no-headers). The sequence is the order of the list below; each \`status-*\` shows the
state after the preceding step (empty, added, built, installed, two kernels, broken added, ...).
\`kldload-broken-make.log\` is a verbatim copy of /var/lib/dkms/kldload-broken/1.0/build/make.log written by the failed
build; \`kldload-hello-make.log\` is a verbatim copy of /var/lib/dkms/kldload-hello/1.0/$KNEW/x86_64/log/make.log."
