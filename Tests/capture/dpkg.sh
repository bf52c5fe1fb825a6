#!/bin/bash
# Captures dpkg-query output on the host itself (real installed set, hundreds of
# packages), then installs and removes (not purges) the throwaway package
# kldload-legacy (one conffile) to capture an `rc` line, then purges it again.
# Usage: dpkg.sh   (as root; build-debs.sh output in /tmp/kldload-debs, apt.sh builds it)
set -eu
. "$(dirname "$0")/lib.sh"
WORK=/tmp/kldload-debs
[ -f "$WORK/debs/kldload-legacy_1.0_all.deb" ] || "$(dirname "$0")/build-debs.sh" "$WORK"
DPKGVER=$(dpkg --version | head -1 | sed -E 's/.*version ([^ ]+) .*/\1/')
OUT="$FIX/dpkg/$DPKGVER-debian12-host"
FMT='${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n'
APT=(apt-get -o DPkg::Lock::Timeout=600)

fresh "$OUT"
cap "$OUT" dpkg-query-host -- dpkg-query -W -f "$FMT"
DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y "$WORK/debs/kldload-legacy_1.0_all.deb"
DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove -y kldload-legacy
cap "$OUT" dpkg-query-host-with-rc -- dpkg-query -W -f "$FMT"
cap "$OUT" dpkg-query-single-rc -- dpkg-query -W -f "$FMT" kldload-legacy
DEBIAN_FRONTEND=noninteractive "${APT[@]}" purge -y kldload-legacy
cap "$OUT" dpkg-query-single-not-installed -- dpkg-query -W -f "$FMT" kldload-legacy

write_provenance "$OUT" "dpkg-query captures on the Debian 12 host" "$(dpkg --version | head -1)" dpkg.sh \
"Format string: dpkg-query(1) documents \`\\\\n\`, \`\\\\r\`, \`\\\\t\` as escapes in --showformat (section \"--showformat\":
'In the format string, \"\\\\\" introduces escapes: \\\\n newline, \\\\r carriage return, \\\\t tab'), so the TAB-separated
format is used exactly as the project runs it; the argv below shows the literal backslash-t that dpkg-query itself expands.
\`dpkg-query-host\` is the host's real installed set at capture time (Debian 12 cloud VM with dev tools, dkms, headers,
linux-image, rpm/dnf/pacman installed). For \`dpkg-query-host-with-rc\`, the throwaway package kldload-legacy 1.0
(built by Tests/capture/build-debs.sh, ships the conffile /etc/kldload-legacy.conf) was installed with
\`apt-get install -y /tmp/kldload-debs/debs/kldload-legacy_1.0_all.deb\` and removed with \`apt-get remove -y kldload-legacy\`
(conffile left behind, hence status \`rc\`), then purged afterwards (\`dpkg-query-single-not-installed\`: querying a purged
package name; dpkg-query exits 1 and prints the 'no packages found' message on stderr)."
