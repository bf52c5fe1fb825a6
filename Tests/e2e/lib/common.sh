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
# Returns QEMU's exit status (124 on timeout).
qemu_boot() {
    local serial=$1 tmo=$2 kernel=$3 initrd=$4 cmdline=$5; shift 5
    [[ ${1:-} == -- ]] && shift
    timeout --foreground -k 10 "$tmo" qemu-system-x86_64 \
        -accel tcg -cpu max -smp "$E2E_SMP" -m "$E2E_MEM" \
        -nographic -vga none -monitor none -serial "file:$serial" -no-reboot \
        -nic none \
        -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
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
# the guest never reported, 126 if its kernel panicked (a panic before the agent
# started is retried once: the phase script never ran).
run_guest() {
    local rc=0
    run_guest_once "$@" || rc=$?
    # A guest kernel that panicked before the agent started never ran the phase script (the
    # pool was at most imported), so the boot is repeated once. Seen on Debian 13 under TCG:
    # `Oops: int3` in sched_clock_idle_wakeup_event 3.4 s into the boot, then the panic sat
    # until the phase timeout.
    if [[ $rc == 126 ]] && ! grep -aq 'E2E-AGENT: start' "$2/$1.serial"; then
        mv "$2/$1.serial" "$2/$1.panic.serial"
        log "$1: guest kernel panicked before the agent started (serial kept as $1.panic.serial); booting once more"
        rc=0
        run_guest_once "$@" || rc=$?
    fi
    return "$rc"
}

# One boot of run_guest; 126 when the guest kernel panicked.
run_guest_once() {
    local name=$1 wd=$2 tmo=$3 kernel=$4 initrd=$5 cmdline=$6 src=$7; shift 7
    [[ ${1:-} == -- ]] && shift
    local x="$wd/$name.xchg.img" serial="$wd/$name.serial" t0 rc=0 panicked=""
    make_xchg "$src" "$x" "${E2E_XCHG_MB:-1024}"
    t0=$(date +%s)
    qemu_boot "$serial" "$tmo" "$kernel" "$initrd" "$cmdline" -- "$@" $(vdisk "$x" xchg raw) &
    local qpid=$! grace=${E2E_POWEROFF_GRACE:-120} asked=""
    # The agent unmounts the exchange disk, syncs, then asks systemd to power off. A Debian 13
    # guest (systemd 257) was seen never finishing that shutdown; once the agent said so and
    # the grace period passed, stop QEMU (the results are already on the unmounted disk).
    while kill -0 "$qpid" 2>/dev/null; do
        # A panicked guest kernel never recovers (no panic= timeout on the command line): stop
        # QEMU now instead of waiting for the phase timeout.
        if grep -aq 'Kernel panic - not syncing' "$serial" 2>/dev/null; then
            sleep 2; panicked=yes
            log "$name: guest kernel panicked; stopping QEMU"
            kill "$qpid" 2>/dev/null || true
            break
        fi
        if [[ -z $asked ]] && grep -aq 'E2E-AGENT: poweroff' "$serial" 2>/dev/null; then asked=$(date +%s); fi
        if [[ -n $asked ]] && (( $(date +%s) - asked > grace )); then
            log "$name: guest asked to power off ${grace} s ago and is still running; stopping QEMU"
            kill "$qpid" 2>/dev/null || true
            break
        fi
        sleep 5
    done
    wait "$qpid" || rc=$?
    [[ -n $asked && $rc != 124 ]] && rc=0
    log "$name: guest ran $(( $(date +%s) - t0 )) s (qemu rc=$rc)"
    rm -rf "$wd/$name.out"
    fetch_xchg "$x" "$wd/$name.out"
    if [[ -n $panicked ]]; then log "$name: guest kernel panicked; serial:"; grep -a -B2 -A12 -m1 'Oops\|BUG:\|Kernel panic' "$serial" >&2 || tail -30 "$serial" >&2; return 126; fi
    if [[ $rc == 124 ]]; then log "$name: TIMEOUT after $tmo s; serial tail:"; tail -20 "$serial" >&2; return 124; fi
    if [[ ! -f $wd/$name.out/agent.status ]]; then log "$name: guest agent never reported; serial tail:"; tail -30 "$serial" >&2; return 125; fi
    return "$(cat "$wd/$name.out/agent.status")"
}

ZFS_CMDLINE="root=zfs:AUTO rw console=ttyS0 systemd.show_status=0"

# Fresh qcow2 overlays of the pristine pool disks in <workdir>.
pool_overlays() { # pooldir workdir
    for i in 0 1; do
        qemu-img create -q -f qcow2 -F qcow2 -b "$1/pool$i.qcow2" "$2/pool$i.qcow2"
    done
}

# Boot the ZFS-root guest (root=zfs:AUTO, i.e. the pool's bootfs).
#   zfs_guest <name> <workdir> <pooldir> <timeout-s> <xchg-src> [extra qemu args...]
# Uses <workdir>/pool0.qcow2 and pool1.qcow2 (see pool_overlays).
zfs_guest() {
    local name=$1 wd=$2 pd=$3 tmo=$4 src=$5; shift 5
    local disks=()
    [[ -e $wd/pool0.qcow2 ]] && disks+=($(vdisk "$wd/pool0.qcow2" pool0))
    [[ -e $wd/pool1.qcow2 ]] && disks+=($(vdisk "$wd/pool1.qcow2" pool1))
    run_guest "$name" "$wd" "$tmo" "$pd/vmlinuz" "$pd/initrd.img" "${E2E_CMDLINE:-$ZFS_CMDLINE}" "$src" -- "${disks[@]}" "$@"
}
