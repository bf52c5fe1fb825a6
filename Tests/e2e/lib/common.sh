# Shared helpers for the kldload end-to-end harness (sourced, not executed).
# This is test tooling that drives QEMU from the host; the product itself never
# runs through a shell.

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
E2E_CACHE="${E2E_CACHE:-/var/cache/kldload-e2e}"
E2E_MEM="${E2E_MEM:-2048}"
E2E_SMP="${E2E_SMP:-2}"
# Guest generation: bookworm (Debian 12: OpenZFS 2.1, apt 2.6, dkms 3.0) or
# trixie (Debian 13: kernel 6.12, OpenZFS 2.3 from contrib, apt 3.0, dkms 3.2).
E2E_DISTRO="${E2E_DISTRO:-bookworm}"
case $E2E_DISTRO in
    bookworm) E2E_DEBIAN_RELEASE=12 ;;
    trixie)   E2E_DEBIAN_RELEASE=13 ;;
    *) printf '[e2e] error: E2E_DISTRO must be bookworm or trixie, not %s\n' "$E2E_DISTRO" >&2; exit 1 ;;
esac

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[e2e] error: %s\n' "$*" >&2; exit 1; }

need() {
    local missing=()
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if ((${#missing[@]})); then
        die "missing host tools: ${missing[*]} — install with: apt-get -o DPkg::Lock::Timeout=600 install -y debootstrap qemu-system-x86 qemu-utils e2fsprogs"
    fi
}

# The Debian mirror, read from the host's apt sources (the URIs: of the stanza
# whose Suites: contains "bookworm", the host's release), falling back to
# sources.list. The same mirror serves trixie.
host_mirror() {
    local f=/etc/apt/sources.list.d/debian.sources uri=""
    if [[ -r $f ]]; then
        uri="$(awk '
            BEGIN { RS=""; FS="\n" }
            {
                u=""; s=0
                for (i=1;i<=NF;i++) {
                    if ($i ~ /^URIs:/)   { u=$i; sub(/^URIs:[ \t]*/,"",u); sub(/[ \t].*/,"",u) }
                    if ($i ~ /^Suites:/) { if ($i ~ /[ \t]bookworm([ \t]|$)/) s=1 }
                }
                if (s && u!="") { print u; exit }
            }' "$f")"
    fi
    if [[ -z $uri && -r /etc/apt/sources.list ]]; then
        uri="$(awk '$1=="deb" && $3=="bookworm" { print $2; exit }' /etc/apt/sources.list)"
    fi
    [[ -n $uri ]] || die "no bookworm entry in the host's apt sources (/etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)"
    printf '%s\n' "$uri"
}

# Packages installed into the guest root.
GUEST_PACKAGES=(
    linux-image-amd64 linux-headers-amd64
    zfs-dkms zfsutils-linux zfs-initramfs
    busybox systemd-sysv udev kmod e2fsprogs procps
)

# Key of the cached base image: build script + guest files + package list +
# mirror + distro (hashed only when not bookworm). lib/common.sh itself is not
# hashed: only GUEST_PACKAGES, the mirror and the distro matter.
image_key() {
    {
        [[ $E2E_DISTRO == bookworm ]] || printf 'distro=%s\n' "$E2E_DISTRO"
        cat "$E2E_DIR/build-image"
        find "$E2E_DIR/guest" -type f | LC_ALL=C sort | xargs cat
        printf '%s\n' "${GUEST_PACKAGES[@]}"
        host_mirror
    } | sha256sum | cut -c1-16
}

image_dir() { printf '%s/image-%s\n' "$E2E_CACHE" "$(image_key)"; }

# Build an ext4 exchange disk (label E2EXCHG) from a directory. The guest agent
# mounts it, runs ./run.sh, leaves results in /out, and powers off.
make_xchg() { # dir img [sizeMiB]
    local dir=$1 img=$2 size=${3:-1024}
    rm -f "$img"
    truncate -s "${size}M" "$img"
    mkfs.ext4 -q -F -L E2EXCHG -E root_owner=0:0 -d "$dir" "$img" >/dev/null
}

# Copy /out from an exchange disk to a host directory (exact bytes).
fetch_xchg() { # img hostdir
    local img=$1 dst=$2
    local tmp="$dst.rdump"
    rm -rf "$tmp" "$dst"; mkdir -p "$tmp"
    debugfs -R "rdump /out $tmp" "$img" >/dev/null 2>&1 || die "cannot read /out from $img"
    if [[ -d $tmp/out ]]; then mv "$tmp/out" "$dst"; else mkdir -p "$dst"; fi
    rmdir "$tmp"
}

# Boot QEMU (TCG). Usage: qemu_boot <serial-log> <timeout-s> <kernel> <initrd> <cmdline> -- <extra qemu args...>
# An empty <kernel> boots through the firmware only (E2E_OVMF_VARS set: OVMF on q35, the
# firmware's boot manager picks the boot entry). -no-reboot (a guest reboot ends QEMU) unless
# E2E_QEMU_REBOOT=1, where a reboot goes back through the firmware inside the same QEMU run.
# Returns QEMU's exit status (124 on timeout).
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS_TEMPLATE=/usr/share/OVMF/OVMF_VARS_4M.fd
qemu_boot() {
    local serial=$1 tmo=$2 kernel=$3 initrd=$4 cmdline=$5; shift 5
    [[ ${1:-} == -- ]] && shift
    local kargs=() fw=() noreboot=(-no-reboot)
    [[ -n $kernel ]] && kargs=(-kernel "$kernel" -initrd "$initrd" -append "$cmdline")
    [[ ${E2E_QEMU_REBOOT:-0} == 1 ]] && noreboot=()
    if [[ -n ${E2E_OVMF_VARS:-} ]]; then
        fw=(-machine q35
            -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
            -drive "if=pflash,format=raw,unit=1,file=$E2E_OVMF_VARS")
    fi
    timeout --foreground -k 10 "$tmo" qemu-system-x86_64 \
        -accel tcg "${fw[@]}" -cpu max -smp "$E2E_SMP" -m "$E2E_MEM" \
        -nographic -vga none -monitor none -serial "file:$serial" "${noreboot[@]}" \
        -nic none \
        "${kargs[@]}" \
        "$@" </dev/null
}

# A virtio disk with a stable /dev/disk/by-id/virtio-<serial> name.
vdisk() { # file serial [format]
    local fmt=${3:-qcow2}
    printf -- '-drive\nfile=%s,if=none,id=%s,format=%s,cache=writeback\n-device\nvirtio-blk-pci,drive=%s,serial=%s\n' "$1" "$2" "$fmt" "$2" "$2"
}

# Run one guest boot with an exchange disk.
#   run_guest <name> <workdir> <timeout-s> <kernel> <initrd> <cmdline> <xchg-src> -- <qemu disk args...>
# <xchg-src> must contain run.sh. Results land in <workdir>/<name>.out/ (the
# guest's /xchg/out), the serial console in <workdir>/<name>.serial.
# Returns the guest script's exit status (agent.status), 124 on timeout, 125 if
# the guest never reported, 126 if its kernel crashed (Oops or panic) before the agent
# reported. Tests/e2e/run boots a phase once more when it crashed before the agent started
# (the phase script never ran).
# Stops a qemu_boot started in the background and waits until its QEMU is gone. $! of that
# background call is a subshell's pid: signalling only it leaves `timeout` and QEMU running, and
# QEMU keeps its write lock on the disk images, so a retried boot fails with 'Failed to get
# "write" lock' (seen 20:03 on 2026-12-05). The signal goes to the subshell's children too
# (`timeout`, which passes it on to QEMU), then we wait for the QEMU that writes $2 to exit.
stop_qemu() { # pid serial-log
    local c w=0
    for c in $(pgrep -P "$1" 2>/dev/null); do kill "$c" 2>/dev/null || true; done
    kill "$1" 2>/dev/null || true
    while pgrep -f -- "file:$2" >/dev/null 2>&1 && ((w < 60)); do sleep 1; w=$((w + 1)); done
    pkill -KILL -f -- "file:$2" 2>/dev/null || true
}

run_guest() {
    local name=$1 wd=$2 tmo=$3 kernel=$4 initrd=$5 cmdline=$6 src=$7; shift 7
    [[ ${1:-} == -- ]] && shift
    local x="$wd/$name.xchg.img" serial="$wd/$name.serial" t0 rc=0
    make_xchg "$src" "$x" "${E2E_XCHG_MB:-1024}"
    t0=$(date +%s)
    qemu_boot "$serial" "$tmo" "$kernel" "$initrd" "$cmdline" -- "$@" $(vdisk "$x" xchg raw) &
    local qpid=$! grace=${E2E_POWEROFF_GRACE:-120} asked="" every=${E2E_PROGRESS:-0} shown=$t0
    # install-pool's installer boot is silent for ~10 minutes: progress once a minute by default
    # (set here, not in install-pool, whose text is part of the pool cache key).
    [[ $name == install ]] && every=${E2E_PROGRESS:-60}
    # The agent unmounts the exchange disk, syncs, then asks systemd to power off. A Debian 13
    # guest (systemd 257) was seen never finishing that shutdown; once the agent said so and
    # the grace period passed, stop QEMU (the results are already on the unmounted disk).
    while kill -0 "$qpid" 2>/dev/null; do
        # A panicked guest kernel without panic= on its command line (E2E_CMDLINE) never
        # recovers: stop QEMU now instead of waiting for the phase timeout. Not when the boot
        # must fail or may reboot through the firmware (a panic there is the scenario's).
        if [[ ${E2E_QEMU_REBOOT:-0} != 1 && ${E2E_EXPECT_BOOTFAIL:-0} != 1 ]] &&
           grep -aq 'Kernel panic - not syncing' "$serial" 2>/dev/null; then
            sleep 2
            log "$name: guest kernel panicked; stopping QEMU"
            stop_qemu "$qpid" "$serial"
            break
        fi
        if [[ -z $asked ]] && grep -aq 'E2E-AGENT: poweroff' "$serial" 2>/dev/null; then asked=$(date +%s); fi
        if [[ -n $asked ]] && (( $(date +%s) - asked > grace )); then
            log "$name: guest asked to power off ${grace} s ago and is still running; stopping QEMU"
            stop_qemu "$qpid" "$serial"
            break
        fi
        # E2E_PROGRESS=N: every N seconds, the guest's latest serial line (TCG noise left out),
        # so a long silent boot (install-pool: ~10 minutes) shows it is alive.
        if ((every > 0 && $(date +%s) - shown >= every)); then
            shown=$(date +%s)
            log "$name: $(( shown - t0 )) s: $(grep -avE "$TCG_NOISE" "$serial" 2>/dev/null | tr -d '\r' | grep -a . | tail -1 | cut -c1-110)"
        fi
        sleep 5
    done
    wait "$qpid" || rc=$?
    [[ -n $asked && $rc != 124 ]] && rc=0
    log "$name: guest ran $(( $(date +%s) - t0 )) s (qemu rc=$rc)"
    rm -rf "$wd/$name.out"
    fetch_xchg "$x" "$wd/$name.out"
    if [[ ! -f $wd/$name.out/agent.status && ${E2E_EXPECT_BOOTFAIL:-0} == 1 ]]; then log "$name: the guest never reached the agent, as this boot must fail"; return 125; fi
    if [[ ! -f $wd/$name.out/agent.status ]] && grep -aqE 'Oops: |Kernel panic' "$serial" 2>/dev/null; then
        log "$name: guest kernel crashed; serial:"
        grep -a -B2 -A12 -m1 -E 'Oops: |Kernel panic' "$serial" >&2 || serial_tail "$serial" 30
        return 126
    fi
    if [[ $rc == 124 ]]; then log "$name: TIMEOUT after $tmo s; serial tail:"; serial_tail "$serial" 20; return 124; fi
    if [[ ! -f $wd/$name.out/agent.status ]]; then log "$name: guest agent never reported; serial tail:"; serial_tail "$serial" 30; return 125; fi
    return "$(cat "$wd/$name.out/agent.status")"
}

# panic=10: a guest kernel that crashes (seen under TCG: an int3 Oops 3 s into boot, see
# Docs/E2E.md) reboots after 10 s, and -no-reboot ends QEMU, instead of halting until the timeout.
# no_timer_check: under TCG on a loaded host the kernel's early IO-APIC timer check can miss its
# window and panic ("IO-APIC + timer doesn't work!", seen in a trial boot at load 10); the usual
# setting for virtual machines, which skips that check. Guest command lines only.
ZFS_CMDLINE="root=zfs:AUTO rw console=ttyS0 systemd.show_status=0 panic=10 no_timer_check"

# Fresh qcow2 overlays of the pristine pool disks in <workdir>.
pool_overlays() { # pooldir workdir
    for i in 0 1; do
        qemu-img create -q -f qcow2 -F qcow2 -b "$1/pool$i.qcow2" "$2/pool$i.qcow2"
    done
}

# How a guest boots (E2E_BOOT):
#   direct (default): QEMU -kernel/-initrd with the pool's (the image's) kernel and initramfs and
#     root=zfs:AUTO; Debian's zfs initramfs mounts the pool's bootfs. Whatever kernel the BE
#     holds in its /boot is never booted.
#   zbm: the way the machine boots. OVMF (Debian's ovmf, q35) with a per-scenario copy of
#     OVMF_VARS (NVRAM: Boot####, BootOrder, BootNext persist across the scenario's boots), an ESP
#     disk (serial "esp") holding the ZFSBootMenu stand-in (Tests/e2e/zbm-standin, rule in
#     Tests/e2e/zbm/init) as \EFI\ZBM\VMLINUZ.EFI + INITRAMFS.IMG behind a "ZFSBootMenu" boot
#     entry; the stand-in picks the BE (zbm.prefer, else bootfs) and kexecs the newest kernel and
#     initramfs in that BE's own /boot with its org.zfsbootmenu:commandline.
E2E_BOOT="${E2E_BOOT:-direct}"
case $E2E_BOOT in direct|zbm) ;; *) die "E2E_BOOT must be direct or zbm, not $E2E_BOOT" ;; esac
# The stand-in's own command line (the boot entry's load options) and the BEs' command line
# (org.zfsbootmenu:commandline on <pool>/ROOT, set by the setup boot as an installer would).
ZBM_OPTIONS='initrd=\EFI\ZBM\INITRAMFS.IMG console=ttyS0 quiet no_timer_check'
ZBM_BE_COMMANDLINE="${E2E_ZBM_BE_COMMANDLINE:-rw console=ttyS0 systemd.show_status=0 panic=10 no_timer_check}"

# Prepare <workdir> for E2E_BOOT=zbm (no-op for direct): esp.img (GPT, partition 1 FAT32 with
# the stand-in), OVMF_VARS_4M.fd (fresh copy), then one setup boot of the stand-in (QEMU -kernel
# through OVMF) that creates the "ZFSBootMenu" boot entry and sets org.zfsbootmenu:commandline.
#   boot_prepare <pooldir> <workdir>       (after pool_overlays)
boot_prepare() {
    local pd=$1 wd=$2 zd mb=160 t0 rc=0
    [[ $E2E_BOOT == zbm ]] || return 0
    need mkfs.vfat mmd mcopy sfdisk
    [[ -r $OVMF_CODE && -r $OVMF_VARS_TEMPLATE ]] || die "OVMF missing: apt-get -o DPkg::Lock::Timeout=600 install -y ovmf"
    zd="$(E2E_POOL_DIR=$pd "$E2E_DIR/zbm-standin")" || die "cannot build the ZFSBootMenu stand-in"
    truncate -s "$((mb - 2))M" "$wd/esp.fat"
    mkfs.vfat -F 32 -n ESP "$wd/esp.fat" >/dev/null
    mmd -i "$wd/esp.fat" ::/EFI ::/EFI/ZBM
    mcopy -i "$wd/esp.fat" "$zd/vmlinuz.efi" ::/EFI/ZBM/VMLINUZ.EFI
    mcopy -i "$wd/esp.fat" "$zd/initramfs.img" ::/EFI/ZBM/INITRAMFS.IMG
    rm -f "$wd/esp.img"; truncate -s "${mb}M" "$wd/esp.img"
    printf 'label: gpt\nstart=1MiB, size=%sMiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System Partition"\n' \
        "$((mb - 2))" | sfdisk -q "$wd/esp.img"
    dd if="$wd/esp.fat" of="$wd/esp.img" bs=1M seek=1 conv=notrunc status=none
    rm -f "$wd/esp.fat"
    printf '%s\n' "$zd" >"$wd/zbm-dir"
    t0=$(date +%s)
    # panic=10 no_timer_check as on every guest command line: the setup boot's kernel once
    # panicked in the IO-APIC timer check under load and hung until the 600 s timeout. A kernel
    # that crashed before the setup ran is booted once more, from a fresh NVRAM copy.
    local attempt
    for attempt in 1 2; do
        cp "$OVMF_VARS_TEMPLATE" "$wd/OVMF_VARS_4M.fd"
        rc=0
        E2E_OVMF_VARS="$wd/OVMF_VARS_4M.fd" E2E_QEMU_REBOOT=0 qemu_boot "$wd/zbm-setup.serial" 600 \
            "$zd/vmlinuz.efi" "$zd/initramfs.img" \
            "console=ttyS0 panic=10 no_timer_check kldload.zbm-setup=1 kldload.zbm-options=${ZBM_OPTIONS// /+} kldload.be-commandline=${ZBM_BE_COMMANDLINE// /+}" -- \
            $(vdisk "$wd/pool0.qcow2" pool0) $(vdisk "$wd/pool1.qcow2" pool1) $(vdisk "$wd/esp.img" esp raw) || rc=$?
        grep -aq 'ZBM-STANDIN: setup done' "$wd/zbm-setup.serial" && break
        grep -aq 'Kernel panic - not syncing' "$wd/zbm-setup.serial" || break
        ((attempt == 2)) || { cp "$wd/zbm-setup.serial" "$wd/zbm-setup.crashed.serial"; log "zbm: the setup boot's kernel crashed; booting it once more"; }
    done
    grep -aq 'ZBM-STANDIN: setup done' "$wd/zbm-setup.serial" \
        || { serial_tail "$wd/zbm-setup.serial" 20; die "ZFSBootMenu stand-in setup boot failed (qemu rc=$rc, $wd/zbm-setup.serial)"; }
    log "zbm: ESP, NVRAM entry and BE command line ready in $(( $(date +%s) - t0 )) s"
}

# Boot the ZFS-root guest: E2E_BOOT=direct: root=zfs:AUTO, i.e. the pool's bootfs, with the
# pool's kernel; E2E_BOOT=zbm: through OVMF and the stand-in (boot_prepare first).
#   zfs_guest <name> <workdir> <pooldir> <timeout-s> <xchg-src> [extra qemu args...]
# Uses <workdir>/pool0.qcow2 and pool1.qcow2 (see pool_overlays).
zfs_guest() {
    local name=$1 wd=$2 pd=$3 tmo=$4 src=$5; shift 5
    local disks=()
    [[ -e $wd/pool0.qcow2 ]] && disks+=($(vdisk "$wd/pool0.qcow2" pool0))
    [[ -e $wd/pool1.qcow2 ]] && disks+=($(vdisk "$wd/pool1.qcow2" pool1))
    if [[ $E2E_BOOT == zbm ]]; then
        [[ -e $wd/esp.img && -e $wd/OVMF_VARS_4M.fd ]] || die "zbm boot without boot_prepare ($wd)"
        disks+=($(vdisk "$wd/esp.img" esp raw))
        if [[ -n ${E2E_ZBM_PREFER:-} ]]; then
            # What choosing a BE in ZFSBootMenu's menu does: the stand-in (handed to OVMF by
            # QEMU, not from the ESP) with zbm.prefer=<BE> on its command line.
            local zd; zd="$(cat "$wd/zbm-dir")"
            E2E_OVMF_VARS="$wd/OVMF_VARS_4M.fd" run_guest "$name" "$wd" "$tmo" "$zd/vmlinuz.efi" "$zd/initramfs.img" \
                "console=ttyS0 quiet no_timer_check zbm.prefer=$E2E_ZBM_PREFER" "$src" -- "${disks[@]}" "$@"
        else
            E2E_OVMF_VARS="$wd/OVMF_VARS_4M.fd" run_guest "$name" "$wd" "$tmo" "" "" "" "$src" -- "${disks[@]}" "$@"
        fi
    else
        run_guest "$name" "$wd" "$tmo" "$pd/vmlinuz" "$pd/initrd.img" "${E2E_CMDLINE:-$ZFS_CMDLINE}" "$src" -- "${disks[@]}" "$@"
    fi
}

# Harmless kernel messages of a TCG guest (emulation is slow and -cpu max advertises VMX, so
# the kvm module loads): RCU stall and soft-lockup reports with their register and stack dumps
# (up to the closing </TASK> or </IRQ>), "kvm: ..." lines. They are not failures. tcg_quiet
# filters a serial log on stdin and counts what it dropped in the file named by $1;
# serial_tail prints the end of a serial log without them and says how many lines it left out.
TCG_NOISE='rcu: INFO: rcu_.*stall|watchdog: BUG: soft lockup|kvm: |kvm_intel: |clocksource: Long readout interval|clocksource: .*read-back delay'
tcg_quiet() { # countfile < serial
    awk -v cf="$1" -v re="$TCG_NOISE" '
        inblk { n++; if ($0 ~ /<\/TASK>|<\/IRQ>|^\[ *[0-9.]+\] ---\[ end/) inblk = 0; next }
        $0 ~ /rcu: INFO: rcu_.*stall|watchdog: BUG: soft lockup/ { n++; inblk = 1; next }
        $0 ~ re { n++; next }
        { print }
        END { print n + 0 > cf }'
}
serial_tail() { # serial-log [lines]
    local f=$1 n=${2:-30} cf noise
    cf=$(mktemp)
    tcg_quiet "$cf" <"$f" | tail -n "$n" >&2
    noise=$(cat "$cf"); rm -f "$cf"
    ((${noise:-0} == 0)) || log "($noise harmless TCG kernel lines left out: RCU stalls, soft lockups, kvm:, clocksource; see Docs/E2E.md)"
}
