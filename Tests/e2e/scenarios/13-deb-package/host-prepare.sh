#!/usr/bin/env bash
# Host side, before the boot: build the release binary (EL 9 floor) and the .deb from this
# checkout, and put the .deb on the exchange disk.
set -euo pipefail
src=$1
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
"$repo/Sources/dist/package/build-release" >"$src/build-release.log" 2>&1 || { tail -20 "$src/build-release.log" >&2; exit 1; }
out=$(mktemp -d)
"$repo/Sources/dist/package/make-packages" --only deb --out "$out" >"$src/make-packages.log" 2>&1 \
    || { tail -20 "$src/make-packages.log" >&2; exit 1; }
cp "$out"/kldload_*.deb "$src/"
rm -rf "$out"
