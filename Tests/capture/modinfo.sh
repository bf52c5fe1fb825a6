#!/bin/bash
# Captures real modinfo (kmod) output for: the DKMS-built kldload_hello.ko (signed
# by DKMS's own MOK key), the same module built by hand outside DKMS (unsigned),
# xz- and zstd-compressed copies of it, and a signed in-tree Debian module.
# Usage: modinfo.sh KVER   (run after dkms.sh KVER ...)
set -eu
. "$(dirname "$0")/lib.sh"
K="${1:?usage: modinfo.sh KVER}"
SRC="$(cd "$(dirname "$0")/dkms-src" && pwd)/kldload-hello-1.0"
KMODVER=$(modinfo --version | head -1 | awk '{print $3}')
OUT="$FIX/modinfo/kmod$KMODVER-debian12"
W=/tmp/kldload-modinfo
DKMSKO="/lib/modules/$K/updates/dkms/kldload_hello.ko"
INTREE="/lib/modules/$K/kernel/drivers/net/dummy.ko"
[ -f "$DKMSKO" ] || { echo "run dkms.sh first ($DKMSKO missing)" >&2; exit 1; }

rm -rf "$W"; mkdir -p "$W/build"
cp -a "$SRC/." "$W/build/"
make -C "$W/build" KVER="$K" >"$W/build.log" 2>&1     # plain kbuild, no DKMS -> unsigned
cp "$W/build/kldload_hello.ko" "$W/kldload_hello.ko"
cp "$W/kldload_hello.ko" "$W/kldload_hello-xz.ko";  xz --check=crc32 "$W/kldload_hello-xz.ko"      # -> kldload_hello-xz.ko.xz
cp "$W/kldload_hello.ko" "$W/kldload_hello-zst.ko"; zstd -q --rm "$W/kldload_hello-zst.ko"        # -> kldload_hello-zst.ko.zst

fresh "$OUT"
C() { local name="$1"; shift; cap "$OUT" "$name" -- "$@"; }
C vermagic-dkms-ko          modinfo -F vermagic "$DKMSKO"
C vermagic-unsigned-ko      modinfo -F vermagic "$W/kldload_hello.ko"
C vermagic-ko-xz            modinfo -F vermagic "$W/kldload_hello-xz.ko.xz"
C vermagic-ko-zst           modinfo -F vermagic "$W/kldload_hello-zst.ko.zst"
C vermagic-by-name-k        modinfo -k "$K" -F vermagic kldload_hello
C vermagic-intree           modinfo -F vermagic "$INTREE"
C signer-intree             modinfo -F signer "$INTREE"
C signer-dkms-ko            modinfo -F signer "$DKMSKO"
C signer-unsigned-ko        modinfo -F signer "$W/kldload_hello.ko"
C full-intree-signed        modinfo "$INTREE"
C full-dkms-signed          modinfo "$DKMSKO"
C full-unsigned             modinfo "$W/kldload_hello.ko"
C full-ko-xz                modinfo "$W/kldload_hello-xz.ko.xz"
C full-ko-zst               modinfo "$W/kldload_hello-zst.ko.zst"
C not-found-by-name-k       modinfo -k "$K" -F vermagic zfs
C not-found-path            modinfo -F vermagic /lib/modules/"$K"/updates/dkms/zfs.ko

write_provenance "$OUT" "modinfo captures (kmod on Debian 12)" \
    "modinfo from $(modinfo --version | tr '\n' ' ')(Debian package kmod $(dpkg-query -W -f '${Version}' kmod))" modinfo.sh \
"Kernel: $K (linux-image-$K $(dpkg-query -W -f '${Version}' linux-image-$K) and linux-headers from the Debian archive; not running).
- \`$DKMSKO\`: built and installed by \`dkms install kldload-hello/1.0 -k $K\` (Tests/capture/dkms.sh); Debian's DKMS 3.0.10
  signs modules with its own generated key /var/lib/dkms/mok.key, so it carries signature fields.
- \`$W/kldload_hello.ko\`: the same source (Tests/capture/dkms-src/kldload-hello-1.0) built with plain
  \`make -C $W/build KVER=$K\` outside DKMS, hence unsigned (no sig_* / signer fields).
- \`$W/kldload_hello-xz.ko.xz\`: copy of the unsigned .ko compressed by us with \`xz --check=crc32\` (xz $(xz --version | head -1 | awk '{print $4}')),
  \`$W/kldload_hello-zst.ko.zst\`: copy compressed by us with \`zstd -q --rm\` ($(zstd --version | sed 's/^\*\*\* //; s/,.*//')).
- \`$INTREE\`: Debian's signed in-tree module (Debian kernels' modules are signed at build time).
- \`not-found-*\`: modinfo on a module/path that does not exist (error text and exit status)."
