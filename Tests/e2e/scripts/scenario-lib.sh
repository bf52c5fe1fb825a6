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

# Boots through the firmware (E2E_BOOT=zbm). boot_number: which boot of this phase this is
# (1, 2, ... when phaseN.reboots lets the guest reboot inside one QEMU run).
boot_number() { cat "$OUT/boot-count"; }
# interim MESSAGE [stay|reboot]: this boot is not the phase's last; note MESSAGE, give no result,
# and leave the guest up (stay: something in the guest reboots it, e.g. the trial timeout) or
# reboot it now. Ends the phase script.
interim() {
    note "boot $(boot_number): $1"
    echo "${2:-stay}" >"$OUT/next-boot"
    : >"$OUT/interim"
    exit 0
}
# The UEFI variable NAME (BootCurrent, BootNext, BootOrder) as hex, or "absent".
efivar_hex() {
    f=/sys/firmware/efi/efivars/$1-8be4df61-93ca-11d2-aa0d-00e098032b8c
    if [ -e "$f" ]; then od -An -t x1 -j4 "$f" | tr -d ' \n'; else echo absent; fi
}
# Wait up to $2 seconds for the shell condition $1 to hold; 1 if it never did.
wait_for() {
    w=0
    while ! eval "$1"; do
        [ "$w" -ge "$2" ] && return 1
        sleep 5; w=$((w + 5))
    done
}
# Install the kldload systemd units the payload carries (./units, from Sources/dist by the
# scenario's host-prepare.sh) as the package would, and enable them.
install_units() {
    [ -d ./units ] && ls ./units/* >/dev/null 2>&1 || fail "no kldload systemd units in the payload"
    for u in ./units/*; do install -m 0644 "$u" /etc/systemd/system/; done
    systemctl daemon-reload
    for u in ./units/*; do systemctl enable "${u##*/}" >>"$OUT/units-enable.log" 2>&1 || true; done
}

# Trial scenarios: kldload binaries and units in the running BE (before cloning the trial BE, so
# it has them too, as a machine with the package would), /usr/sbin/kbe as the units expect, and
# the trial timeout shortened to $1 seconds (a drop-in for kldload-trial-timeout.timer; TCG boots
# take minutes) unless $1 is "default".
trial_prepare() {
    install_bins
    command -v efibootmgr >/dev/null 2>&1 || dpkg -i ./efi-debs/*.deb >"$OUT/efibootmgr-install.log" 2>&1 \
        || fail "installing efibootmgr failed (see efibootmgr-install.log)"
    [ -e /usr/sbin/kbe ] || ln -s /usr/local/bin/kbe /usr/sbin/kbe
    [ -e /usr/sbin/kupgrade ] || ln -s /usr/local/bin/kupgrade /usr/sbin/kupgrade
    install_units
    if [ "${1:-default}" != default ]; then
        mkdir -p /etc/systemd/system/kldload-trial-timeout.timer.d
        printf '[Timer]\nOnBootSec=\nOnBootSec=%s\nOnActiveSec=\nOnActiveSec=%s\n' "$1" "$1" \
            >/etc/systemd/system/kldload-trial-timeout.timer.d/e2e-short.conf
        systemctl daemon-reload
    fi
    sync
}
# The flags column of BE $1 in `kbe list -H`.
be_flags() { kbe list -H | awk -F'\t' -v be="$1" '$1==be {print $2}'; }
# Facts about this boot, for the notes and the next phase: root, BootCurrent, BootNext, bootfs.
boot_facts() {
    echo "boot $(boot_number): root=$(root_dataset) kernel=$(uname -r) BootCurrent=$(efivar_hex BootCurrent) BootNext=$(efivar_hex BootNext) bootfs=$(bootfs)"
}
# Start a trial of BE $1 (kbe activate --trial) and check what it promised: bootfs unchanged,
# BootNext set, the T flag and "trial" in the JSON listing.
start_trial() {
    before=$(bootfs)
    kbe activate --trial "$1" >"$OUT/activate-trial.out" 2>&1 || fail "kbe activate --trial $1: $(cat "$OUT/activate-trial.out")"
    expect_eq "bootfs during the trial (unchanged)" "$before" "$(bootfs)"
    [ "$(efivar_hex BootNext)" != absent ] || fail "no BootNext after kbe activate --trial"
    case "$(be_flags "$1")" in *T*) ;; *) fail "kbe list does not flag $1 with T: $(kbe list -H)" ;; esac
    kbe list --json >"$OUT/list-trial.json" 2>&1 || fail "kbe list --json failed"
    grep -q '"trial"' "$OUT/list-trial.json" || fail "kbe list --json shows no trial"
    zfs get -H -o property,value all rpool/ROOT | grep '^org.kldload:trial' >"$OUT/trial-properties" || true
    note "$(boot_facts); trial of $1 started"
    sync
}
# After a fallback to the previous BE: wait until kldload's service recorded the failed trial
# and cleared it (no pending trial property, no T flag, no BootNext).
expect_fallback_recorded() { # trial-be
    wait_for '[ "$(zfs get -H -o value org.kldload:trial rpool/ROOT)" = - ]' 300 \
        || fail "the failed trial is still pending 300 s after the fallback boot: $(zfs get -H -o property,value all rpool/ROOT | grep org.kldload:trial | tr '\n' ' ')"
    zfs get -H -r -o name,property,value all rpool/ROOT | grep 'org.kldload:trial' >"$OUT/trial-properties-after" || true
    grep -q 'trial-result.*failed' "$OUT/trial-properties-after" || fail "no org.kldload:trial-result=failed recorded: $(cat "$OUT/trial-properties-after")"
    case "$(be_flags "$1")" in *T*) fail "kbe list still flags $1 with T" ;; esac
    expect_eq "BootNext after the fallback" absent "$(efivar_hex BootNext)"
}
