#!/bin/bash
# Shared helpers for the capture scripts. Source this file; do not run it.
#
# cap DIR NAME [ENV=VAL ...] -- ARGV...
#   Runs ARGV (no shell) with LC_ALL=C plus any ENV=VAL given, writes
#     DIR/NAME.stdout  exact stdout bytes (always written, may be empty)
#     DIR/NAME.stderr  exact stderr bytes (only kept when non-empty)
#     DIR/NAME.status  exit status + newline (only when non-zero)
#   and appends a record (file, argv, env, date) to DIR/.captures, from which
#   write_provenance builds the per-folder PROVENANCE.md.
set -u

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIX="$REPO_ROOT/Fixtures"

# shquote ARGS...: render an argv readably (POSIX single quotes where needed).
shquote() {
    local out="" a
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then out+="$a "
        else out+="'${a//\'/\'\\\'\'}' "; fi
    done
    printf '%s' "${out% }"
}

cap() {
    local dir="$1" name="$2"; shift 2
    local -a envs=("LC_ALL=C")
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    mkdir -p "$dir"
    rm -f "$dir/$name.stdout" "$dir/$name.stderr" "$dir/$name.status"
    local rc=0
    env "${envs[@]}" "$@" >"$dir/$name.stdout" 2>"$dir/$name.stderr" </dev/null || rc=$?
    [ -s "$dir/$name.stderr" ] || rm -f "$dir/$name.stderr"
    if [ "$rc" -ne 0 ]; then printf '%s\n' "$rc" >"$dir/$name.status"; fi
    {
        printf -- '- `%s` — exit %s, captured %s\n' "$name" "$rc" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf -- '  - env: `%s`\n' "${envs[*]}"
        printf -- '  - argv: `%s`\n' "$(shquote "$@")"
    } >>"$dir/.captures"
    echo "captured $dir/$name (exit $rc)" >&2
    return 0
}

# The Debian mirror of the host's apt sources (first deb.debian.org-style URIs:/deb line).
host_mirror() {
    local uri=""
    [ -r /etc/apt/sources.list.d/debian.sources ] &&
        uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    [ -n "$uri" ] || uri=$(awk '$1=="deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    [ -n "$uri" ] || { echo "no mirror in the host's apt sources" >&2; return 1; }
    printf '%s\n' "$uri"
}

# debian_release ROOT: the major Debian release of the tree at ROOT (12, 13), from etc/debian_version.
debian_release() { cut -d. -f1 "$1/etc/debian_version"; }

# The Debian release the capture scripts run on (12 on the host, 13 in a trixie chroot entered
# with in-chroot.sh); folder names say debian$DEBIAN_RELEASE.
DEBIAN_RELEASE=$(debian_release /)
# "host", or "chroot" when in-chroot.sh runs the script inside a debootstrap tree.
CAPTURE_PLACE=${CAPTURE_PLACE:-host}

# Start a fresh capture folder (removes old captures and the record).
fresh() { rm -rf "$1"; mkdir -p "$1"; }

# write_provenance DIR TITLE VERSION_LINE SCRIPT NOTES
#   Builds DIR/PROVENANCE.md from the .captures record and removes the record.
write_provenance() {
    local dir="$1" title="$2" version="$3" script="$4" notes="$5"
    {
        printf '# %s\n\n' "$title"
        printf -- '- Program/version: %s\n' "$version"
        printf -- '- Distro: %s (host: %s, kernel %s; the running kernel is the VM host kernel, not a Debian one)\n' \
            "$(. /etc/os-release; echo "$PRETTY_NAME"), debian_version $(cat /etc/debian_version)$( [ "$CAPTURE_PLACE" = chroot ] && echo ", a debootstrap chroot entered by Tests/capture/in-chroot.sh")" "$(hostname)" "$(uname -r)"
        printf -- '- Captured: %s by `Tests/capture/%s` (real runs on this machine; files are the verbatim stdout/stderr of the program, never edited)\n' \
            "$(date -u +%Y-%m-%d)" "$script"
        printf -- '- Layout: `NAME.stdout` = exact stdout bytes; `NAME.stderr` = exact stderr bytes (only when non-empty); `NAME.status` = exit status (only when non-zero).\n\n'
        printf '## Notes\n\n%s\n\n' "$notes"
        printf '## Captures (exact argv, environment; the process had stdin=/dev/null)\n\n'
        cat "$dir/.captures"
    } >"$dir/PROVENANCE.md"
    rm -f "$dir/.captures"
}

# apt_test_root ROOT WORK REPO_IN_ROOT [SUITE]
#   The throwaway Debian apt root (SUITE, default bookworm, from the host's mirror) the apt captures run in: debootstrapped once
#   (minbase + apt-utils), the test packages built into WORK by build-debs.sh, and the local
#   file: repository REPO_IN_ROOT (inside the root) as its only apt source, lists emptied.
apt_test_root() {
    local root="$1" work="$2" repo="$3" suite="${4:-bookworm}"
    if [ ! -x "$root/usr/bin/apt-ftparchive" ]; then
        rm -rf "$root"
        debootstrap --variant=minbase --include=apt-utils "$suite" "$root" "$(host_mirror)"
    fi
    "$REPO_ROOT/Tests/capture/build-debs.sh" "$work"
    rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
    echo "deb [trusted=yes] file:$repo ./" >"$root/etc/apt/sources.list.d/kldload-capture.list"
    rm -rf "$root"/var/lib/apt/lists/*
}

# pacman_conf FILE ROOT CONFDIR REPO
#   Writes a pacman.conf for the throwaway root ROOT (its own database, cache and log, GnuPG
#   and hooks under CONFDIR) whose only repository is [kldload] at file://REPO, unsigned.
pacman_conf() {
    cat >"$1" <<CONFEOF
[options]
RootDir     = $2
DBPath      = $2/var/lib/pacman/
CacheDir    = $2/var/cache/pacman/pkg/
LogFile     = $2/var/log/pacman.log
GPGDir      = $3/gnupg/
HookDir     = $3/hooks/
Architecture = x86_64
SigLevel    = Never
LocalFileSigLevel = Never

[kldload]
Server = file://$4
CONFEOF
}

# pacman_publish OUT REPO PKG...   (PKG = name-version-release, as makepkg named it in OUT)
#   Copies each built package into REPO and adds it to REPO/kldload.db.tar.gz.
pacman_publish() {
    local out="$1" repo="$2" p; shift 2
    for p in "$@"; do
        cp "$out/$p-x86_64.pkg.tar.zst" "$repo/"
        repo-add -q "$repo/kldload.db.tar.gz" "$repo/$p-x86_64.pkg.tar.zst"
    done
}
