# Guest-side helpers for e2e scenario phases (POSIX sh; sourced by run.sh).
# The exchange disk is the current directory: ./bin (kbe, kupgrade when
# built), ./repo (local apt repo), ./phase.sh (this phase), ./scenario-lib.sh.
# A phase exits 0 to continue; `fail "reason"` ends the scenario as FAILED.
OUT=/xchg/out
fail() { printf 'FAIL: %s\n' "$*" >"$OUT/result"; echo "FAIL: $*" >&2; exit 1; }
note() { printf '%s\n' "$*" >>"$OUT/notes"; }
expect_eq() { # what expected actual
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}
root_dataset() { findmnt -n -o SOURCE /; }
bootfs() { zpool get -H -o value bootfs rpool; }
# Install the payload's binaries into /usr/local/bin (when present).
install_bins() {
    [ -d ./bin ] || fail "no kldload binaries in the payload (scenario needs them; was the release build skipped?)"
    for b in ./bin/*; do install -m 0755 "$b" /usr/local/bin/; done
}
# Make the local apt repository the guest's only apt source.
use_local_repo() {
    mkdir -p /srv/kldload-repo
    cp ./repo/* /srv/kldload-repo/
    mkdir -p /etc/apt/sources.list.d
    [ -f /etc/apt/sources.list ] && mv /etc/apt/sources.list /etc/apt/sources.list.e2e-disabled
    echo 'deb [trusted=yes] file:/srv/kldload-repo ./' >/etc/apt/sources.list.d/kldload-e2e.list
    apt-get update -qq >/dev/null 2>&1 || apt-get update
}
