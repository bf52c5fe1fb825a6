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

# The recorded kupgrade run every kupgrade scenario makes: root, stdin /dev/null (not a
# terminal, so no question), TZ=UTC, plain `kupgrade` (so org.kldload:command is what
# `kupgrade --replay DIR` reproduces), recording into /root/rec. Sets $rc; writes
# kupgrade.stdout, .stderr, .exit and .seconds to $OUT.
run_kupgrade_recorded() {
    rm -rf /root/rec
    rc=0
    t0=$(date +%s)
    env TZ=UTC KLDLOAD_RECORD=/root/rec /usr/local/bin/kupgrade </dev/null >"$OUT/kupgrade.stdout" 2>"$OUT/kupgrade.stderr" || rc=$?
    echo "$(( $(date +%s) - t0 ))" >"$OUT/kupgrade.seconds"
    echo "$rc" >"$OUT/kupgrade.exit"
    sync
}
