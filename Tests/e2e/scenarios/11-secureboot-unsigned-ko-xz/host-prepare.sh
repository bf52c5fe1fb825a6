#!/usr/bin/env bash
# Host side, before the boot: Debian 12's openssl (the image has none; dkms 3.0.10 makes its
# MOK key pair with openssl) as a .deb on the exchange disk, from the host's apt archive.
set -euo pipefail
src=$1
cache="${E2E_CACHE:-/var/cache/kldload-e2e}/debs"
mkdir -p "$cache" "$src/debs"
( cd "$cache" && ls openssl_*.deb >/dev/null 2>&1 || apt-get download openssl >/dev/null )
cp "$cache"/openssl_*.deb "$src/debs/"
