#!/usr/bin/env bash
# Host side, before the boot: the public Ubuntu 24.04 os-release sample and Debian 12's zstd
# (the image has none) as a .deb on the exchange disk, from the host's apt archive.
set -euo pipefail
src=$1
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
cache="${E2E_CACHE:-/var/cache/kldload-e2e}/debs"
mkdir -p "$cache" "$src/debs"
( cd "$cache" && ls zstd_*.deb >/dev/null 2>&1 || apt-get download zstd >/dev/null )
cp "$cache"/zstd_*.deb "$src/debs/"
cp "$repo/Fixtures/os-release/ubuntu-24.04.os-release" "$src/ubuntu-24.04.os-release"
