#!/usr/bin/env bash
# Prove on real UEFI firmware (Debian's OVMF under QEMU/TCG) the facts the trial-boot
# design (Docs/TRIAL.md) rests on, and capture the raw UEFI variables for the parser tests:
#
#   boot 1  (QEMU run A, kernel given to OVMF by -kernel): efibootmgr -v on fresh NVRAM;
#           create "kldload default" (in BootOrder, first) and "kldload trial"
#           (--create-only: never in BootOrder) for the same EFI-stub loader with different
#           load options; efibootmgr -n <trial>; power off.
#   boot 2  (QEMU run B, no -kernel: the firmware's boot manager chooses): expected the trial
#           entry; records /proc/cmdline, BootCurrent, whether BootNext still exists; then
#           panics (sysrq c; panic=5 on the trial's command line reboots).
#   boot 3  expected the BootOrder default; sets BootNext to the trial again; reboot -f.
#   boot 4  expected the trial again; fails the other way: reboot -f (a reset, no panic).
#   boot 5  expected the default again; power off.
#
# Every boot writes its observations to an ext4 exchange disk (label EFIXCHG) that stays
# attached for the whole experiment; the host reads it back with debugfs and copies it to
# Fixtures/efi/ovmf-<upstream version>-debian12/<step>/.
#
# Usage (root, Debian 12): Tests/capture/efi-bootnext.sh
#
# EFI_EXPERIMENT=kbe-commands runs a second experiment on the same image: boot 1 creates only
# "kldload default"; boot 2 (chosen by the firmware, so BootCurrent names it) runs, with the
# exact argv kbe uses, every efibootmgr command of a trial (--create-only, --bootnext,
# --delete-bootnext, --bootnum N --delete-bootnum, each also once more where it must fail),
# lsblk and /proc/self/mounts, an entry with no load options (the shape of a signed bundle),
# and efibootmgr with efivarfs remounted read-only; then arms the trial again and resets;
# boot 3 (the trial entry) deletes the trial entry and powers off. Output:
# Fixtures/efi/ovmf-<version>-debian12-kbe-commands/.
# Cache: /var/cache/kldload-efi (guest image ~0.75 GB, built once in ~2.5 min; each run needs
# ~1 GB more while it runs). Measured: 136 s image build, then ~8.5 min for the five boots.
# Boots under TCG take minutes each; the whole run is printed with timings.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# host_mirror (the bookworm URIs: of the host's apt sources, never hard-coded) is shared with
# the e2e suite. Sourced first: everything below (GUEST_PACKAGES, log, die) is this script's own.
source "$REPO_ROOT/Tests/e2e/lib/common.sh"
CACHE="${EFI_CACHE:-/var/cache/kldload-efi}"
MEM="${EFI_MEM:-1024}"
SMP="${EFI_SMP:-2}"
RUN_TIMEOUT="${EFI_RUN_TIMEOUT:-2400}"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
GUEST_PACKAGES=(linux-image-amd64 systemd-sysv udev efibootmgr kmod)

log() { printf '[efi %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[efi] error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (debootstrap, chroot)"
log "installing host tools"
apt-get -o DPkg::Lock::Timeout=600 install -y ovmf qemu-system-x86 qemu-utils debootstrap \
    dosfstools mtools efibootmgr e2fsprogs fdisk >/dev/null

# The guest's only service: mount the exchange disk and run its run.sh (the experiment).
LAUNCHER='#!/bin/sh
dev=/dev/disk/by-label/EFIXCHG
i=0
while [ ! -e "$dev" ] && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done
if [ ! -e "$dev" ]; then echo "EFI-AGENT: no exchange disk" >/dev/ttyS0; exit 0; fi
mkdir -p /xchg
mount -o sync "$dev" /xchg || { echo "EFI-AGENT: cannot mount $dev" >/dev/ttyS0; exit 1; }
cp /xchg/run.sh /run/efi-run.sh && cd / && exec sh /run/efi-run.sh'
LAUNCHER_UNIT='[Unit]
Description=kldload EFI capture agent
After=local-fs.target systemd-udevd.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/efi-agent
StandardOutput=journal+console
TimeoutStartSec=infinity
[Install]
WantedBy=multi-user.target'

MIRROR="$(host_mirror)"

build_image() {
    local work="$IMG.tmp" root t0
    t0=$(date +%s)
    rm -rf "$work"; mkdir -p "$work"; root="$work/root"
    log "debootstrap bookworm (minbase + ${GUEST_PACKAGES[*]}) from $MIRROR"
    DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
        --include="$(IFS=,; echo "${GUEST_PACKAGES[*]}")" bookworm "$root" "$MIRROR" \
        >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    echo efi >"$root/etc/hostname"
    printf 'LABEL=efiroot / ext4 defaults 0 1\n' >"$root/etc/fstab"
    chroot "$root" passwd -d root >/dev/null
    printf '%s\n' "$LAUNCHER" >"$root/usr/local/sbin/efi-agent"; chmod 0755 "$root/usr/local/sbin/efi-agent"
    printf '%s\n' "$LAUNCHER_UNIT" >"$root/etc/systemd/system/efi-agent.service"
    mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
    ln -sf /etc/systemd/system/efi-agent.service "$root/etc/systemd/system/multi-user.target.wants/efi-agent.service"
    chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer getty@tty1.service \
        serial-getty@ttyS0.service >/dev/null 2>&1 || true
    local kver; kver="$(ls "$root/lib/modules" | sort -V | tail -1)"
    [[ -n $kver ]] || die "no kernel in the guest root"
    chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$work/packages.txt"
    chroot "$root" apt-get clean
    cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
    cp "$root/boot/initrd.img-$kver" "$work/initrd.img"
    echo "$kver" >"$work/kernel-version"
    local used; used=$(du -sm "$root" | cut -f1)
    echo $((used + 256)) >"$work/root-mb"
    truncate -s "$((used + 256))M" "$work/rootfs.ext4"
    mkfs.ext4 -q -F -L efiroot -d "$root" "$work/rootfs.ext4"
    rm -rf "$root"
    log "image built in $(( $(date +%s) - t0 )) s"
    rm -rf "$IMG"; mv "$work" "$IMG"
}

KEY="$({ declare -f build_image; printf '%s\n' "${GUEST_PACKAGES[@]}" "$MIRROR" "$LAUNCHER" "$LAUNCHER_UNIT" v1; } | sha256sum | cut -c1-16)"
IMG="$CACHE/image-$KEY"
mkdir -p "$CACHE"
if [[ -s $IMG/rootfs.ext4 && -s $IMG/vmlinuz ]]; then log "cached image $IMG"; else build_image; fi

OVMF_VER="$(dpkg-query -W -f='${Version}' ovmf)"
OVMF_UP="${OVMF_VER%%-*}"
EXPERIMENT="${EFI_EXPERIMENT:-bootnext}"
case "$EXPERIMENT" in
bootnext) OUT="$REPO_ROOT/Fixtures/efi/ovmf-$OVMF_UP-debian12" ;;
kbe-commands) OUT="$REPO_ROOT/Fixtures/efi/ovmf-$OVMF_UP-debian12-kbe-commands" ;;
*) die "EFI_EXPERIMENT must be bootnext or kbe-commands" ;;
esac
RUN="$CACHE/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN"
log "run directory $RUN"

# --- the boot disk: GPT, partition 1 = ESP (FAT32, the kernel as EFI-stub loader + initrd),
#     partition 2 = the guest root (ext4, label efiroot). Built without mounting anything.
#     Fixed disk and partition GUIDs, so a rerun captures the same Hard Drive nodes.
ESP_MB=192
ROOT_MB=$(cat "$IMG/root-mb")
truncate -s "${ESP_MB}M" "$RUN/esp.img"
mkfs.vfat -F 32 -n ESP "$RUN/esp.img" >/dev/null
mmd -i "$RUN/esp.img" ::/EFI ::/EFI/kldload
mcopy -i "$RUN/esp.img" "$IMG/vmlinuz" ::/EFI/kldload/vmlinuz.efi
mcopy -i "$RUN/esp.img" "$IMG/initrd.img" ::/EFI/kldload/initrd.img
truncate -s "$((1 + ESP_MB + ROOT_MB + 1))M" "$RUN/disk.img"
sfdisk -q "$RUN/disk.img" <<EOF
label: gpt
label-id: 6B6C646C-6F61-4400-8000-000000000000
start=1MiB, size=${ESP_MB}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=6B6C646C-6F61-4400-8000-000000000001, name="EFI System Partition"
start=$((1 + ESP_MB))MiB, size=${ROOT_MB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=6B6C646C-6F61-4400-8000-000000000002, name="root"
EOF
dd if="$RUN/esp.img" of="$RUN/disk.img" bs=1M seek=1 conv=notrunc status=none
dd if="$IMG/rootfs.ext4" of="$RUN/disk.img" bs=1M seek=$((1 + ESP_MB)) conv=notrunc status=none
rm -f "$RUN/esp.img"
cp "$OVMF_VARS" "$RUN/OVMF_VARS_4M.fd"

# --- the experiment, run by the guest agent at every boot -------------------------------
mkdir -p "$RUN/xchg"
echo "$EXPERIMENT" >"$RUN/xchg/experiment"
cat >"$RUN/xchg/run.sh" <<'GUEST'
#!/bin/sh
# Runs at every boot of the guest (from the EFIXCHG disk, mounted sync at /xchg).
G=8be4df61-93ca-11d2-aa0d-00e098032b8c
V=/sys/firmware/efi/efivars
LOADER='\EFI\kldload\vmlinuz.efi'
BASEOPTS='initrd=\EFI\kldload\initrd.img root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0'
say() { echo "EFI-AGENT: $*" >/dev/ttyS0; }
n=$(( $(cat /xchg/out/boot-count 2>/dev/null || echo 0) + 1 ))
mkdir -p /xchg/out; echo "$n" >/xchg/out/boot-count
entry=$(sed -n 's/.*kldload\.entry=\([a-z]*\).*/\1/p' /proc/cmdline)
[ -n "$entry" ] || entry=unknown
# cap DIR NAME ARGV...: exact stdout/stderr/status of one command, argv recorded.
cap() {
    local cd cf rc a
    cd=$1; cf=$2; shift 2; mkdir -p "$cd"
    LC_ALL=C "$@" >"$cd/$cf.stdout" 2>"$cd/$cf.stderr" </dev/null; rc=$?
    [ -s "$cd/$cf.stderr" ] || rm -f "$cd/$cf.stderr"
    [ $rc -eq 0 ] || echo $rc >"$cd/$cf.status"
    { printf '%s: LC_ALL=C' "$cf"; for a in "$@"; do printf " '%s'" "$a"; done; printf ' (exit %s)\n' "$rc"; } >>"$cd/commands.txt"
}
# snap STEP: everything the firmware tells us at this point.
snap() {
    local d f
    d=/xchg/out/$1; mkdir -p "$d/efivars"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$d/date"
    cap "$d" proc-cmdline cat /proc/cmdline
    cap "$d" efibootmgr efibootmgr
    cap "$d" efibootmgr-v efibootmgr -v
    for f in "$V"/Boot[0-9A-F][0-9A-F][0-9A-F][0-9A-F]-$G "$V"/BootOrder-$G "$V"/BootCurrent-$G "$V"/BootNext-$G; do
        [ -e "$f" ] || continue
        cp "$f" "$d/efivars/"
        od -A x -t x1z -v "$f" >"$d/efivars/$(basename "$f").hex"
    done
    if [ -e "$V/BootNext-$G" ]; then echo present; else echo absent; fi >"$d/bootnext-exists"
    say "boot $n entry=$entry step=$1 BootNext=$(cat "$d/bootnext-exists") $(grep -E '^Boot(Current|Next|Order)' "$d/efibootmgr.stdout" | tr '\n' ' ')"
}
entrynum() { sed -n "s/^Boot\([0-9A-F]\{4\}\)\* $1\$/\1/p;s/^Boot\([0-9A-F]\{4\}\)  $1\$/\1/p" /xchg/out/$2/efibootmgr.stdout | head -1; }
sync
experiment=$(cat /xchg/experiment 2>/dev/null || echo bootnext)
if [ "$experiment" = kbe-commands ]; then
  # The commands kbe runs for a trial, with kbe's exact argv (Docs/TRIAL.md).
  d=/xchg/out/$n-commands
  case "$entry" in
  setup)
    snap 1-setup-fresh-nvram
    disk=$(findmnt -n -o SOURCE / | sed 's/[0-9]*$//')
    cap "$d" create-default efibootmgr --create --disk "$disk" --part 1 --label 'kldload default' \
        --loader "$LOADER" --unicode "$BASEOPTS kldload.entry=default"
    snap 1-setup-entries
    next=poweroff ;;
  default)
    snap 2-before-trial
    disk=$(findmnt -n -o SOURCE / | sed 's/[0-9]*$//')
    cap "$d" proc-self-mounts cat /proc/self/mounts
    cap "$d" lsblk lsblk --pairs --paths --output NAME,PKNAME,PARTUUID
    cap "$d" create-trial efibootmgr --create-only --disk "$disk" --part 1 --loader "$LOADER" \
        --label 'kldload trial' --unicode "$BASEOPTS kldload.entry=default zbm.prefer=rpool/ROOT/test!"
    snap 2-trial-created
    t=$(entrynum 'kldload trial' 2-trial-created)
    cap "$d" bootnext efibootmgr --bootnext "$t"
    snap 2-bootnext-set
    cap "$d" delete-bootnext efibootmgr --delete-bootnext
    snap 2-bootnext-deleted
    cap "$d" delete-bootnext-again efibootmgr --delete-bootnext
    cap "$d" delete-trial efibootmgr --bootnum "$t" --delete-bootnum
    snap 2-trial-deleted
    cap "$d" delete-trial-again efibootmgr --bootnum "$t" --delete-bootnum
    cap "$d" create-no-options efibootmgr --create-only --disk "$disk" --part 1 \
        --loader '\EFI\zbm\zfsbootmenu.efi' --label 'ZFSBootMenu bundle'
    snap 2-no-options-entry
    b=$(entrynum 'ZFSBootMenu bundle' 2-no-options-entry)
    [ -n "$b" ] && cap "$d" delete-no-options efibootmgr --bootnum "$b" --delete-bootnum
    mount -o remount,ro /sys/firmware/efi/efivars
    cap "$d" proc-self-mounts-efivars-ro cat /proc/self/mounts
    cap "$d" bootnext-efivars-ro efibootmgr --bootnext 0001
    mount -o remount,rw /sys/firmware/efi/efivars
    snap 2-end
    if [ "$n" = 2 ]; then
      # Arm the trial again and reset: boot 3 is the trial boot itself.
      cap "$d" create-trial-2 efibootmgr --create-only --disk "$disk" --part 1 --loader "$LOADER" \
          --label 'kldload trial' --unicode "$BASEOPTS kldload.entry=trial zbm.prefer=rpool/ROOT/test!"
      snap 2-trial-created-again
      t=$(entrynum 'kldload trial' 2-trial-created-again)
      cap "$d" bootnext-2 efibootmgr --bootnext "$t"
      snap 2-bootnext-set-again
      next=reset
    else
      next=poweroff
    fi ;;
  trial)
    # The trial boot: BootCurrent names the trial entry; what kbe confirm deletes.
    snap 3-trial-running
    t=$(entrynum 'kldload trial' 3-trial-running)
    cap "$d" delete-trial-running efibootmgr --bootnum "$t" --delete-bootnum
    snap 3-trial-deleted
    next=poweroff ;;
  *) snap $n-unexpected; next=poweroff ;;
  esac
else
case "$entry" in
setup)
    s=1-setup-fresh-nvram; snap $s
    disk=$(findmnt -n -o SOURCE / | sed 's/[0-9]*$//')
    d=/xchg/out/1-setup-create
    cap "$d" create-default efibootmgr --create --disk "$disk" --part 1 --label 'kldload default' \
        --loader "$LOADER" --unicode "$BASEOPTS kldload.entry=default"
    cap "$d" create-trial efibootmgr --create-only --disk "$disk" --part 1 --label 'kldload trial' \
        --loader "$LOADER" --unicode "$BASEOPTS kldload.entry=trial panic=5"
    snap 1-setup-entries
    t=$(entrynum 'kldload trial' 1-setup-entries)
    cap "$d" bootnext efibootmgr -n "$t"
    snap 1-setup-bootnext-set
    next=poweroff ;;
trial)
    k=$(( $(cat /xchg/out/trial-count 2>/dev/null || echo 0) + 1 )); echo $k >/xchg/out/trial-count
    if [ $k -eq 1 ]; then snap $n-trial-then-panic; next=panic; else snap $n-trial-then-reset; next=reset; fi ;;
default)
    k=$(( $(cat /xchg/out/default-count 2>/dev/null || echo 0) + 1 )); echo $k >/xchg/out/default-count
    if [ $k -eq 1 ]; then
        s=$n-default-after-panic; snap $s
        t=$(entrynum 'kldload trial' $s)
        cap /xchg/out/$s bootnext efibootmgr -n "$t"
        snap $n-default-bootnext-set-again
        next=reset
    else
        snap $n-default-after-reset; next=poweroff
    fi ;;
*)
    snap $n-unexpected; next=poweroff ;;
esac
fi
echo "$n $entry $next" >>/xchg/out/boots
sync
say "boot $n done, next: $next"
cd /
case "$next" in
panic) umount /xchg; sync; echo c >/proc/sysrq-trigger ;;
reset) umount /xchg; sync; reboot -f ;;
*) umount /xchg; systemctl poweroff --no-block ;;
esac
GUEST
truncate -s 64M "$RUN/xchg.img"
mkfs.ext4 -q -F -L EFIXCHG -E root_owner=0:0 -d "$RUN/xchg" "$RUN/xchg.img"

qemu() { # serial-log [extra args...]
    local serial=$1; shift
    timeout --foreground -k 10 "$RUN_TIMEOUT" qemu-system-x86_64 \
        -accel tcg -machine q35 -cpu max -smp "$SMP" -m "$MEM" \
        -nographic -vga none -monitor none -nic none -serial "file:$serial" \
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,unit=1,file=$RUN/OVMF_VARS_4M.fd" \
        -drive "file=$RUN/disk.img,if=none,id=boot,format=raw" -device virtio-blk-pci,drive=boot,serial=boot \
        -drive "file=$RUN/xchg.img,if=none,id=xchg,format=raw" -device virtio-blk-pci,drive=xchg,serial=xchg \
        "$@" </dev/null
}

T0=$(date +%s)
log "run A: boot 1 (kernel handed to OVMF with -kernel; creates the entries, sets BootNext)"
qemu "$RUN/run-a.serial" -no-reboot -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
    -append "root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0 kldload.entry=setup" || die "run A: qemu exit $?"
TA=$(date +%s); log "run A took $((TA - T0)) s"
log "run B: boots 2-5 (no -kernel: the firmware's boot manager decides every boot)"
qemu "$RUN/run-b.serial" || die "run B: qemu exit $?"
TB=$(date +%s); log "run B took $((TB - TA)) s"

rm -rf "$RUN/out.rdump"; mkdir -p "$RUN/out.rdump"
debugfs -R "rdump /out $RUN/out.rdump" "$RUN/xchg.img" >/dev/null 2>&1 || die "cannot read /out"
log "boots: $(tr '\n' ';' <"$RUN/out.rdump/out/boots")"

# --- into the fixtures -------------------------------------------------------------------
rm -rf "$OUT"; mkdir -p "$OUT"
for d in "$RUN"/out.rdump/out/*/; do cp -a "$d" "$OUT/"; done
cp "$RUN/out.rdump/out/boots" "$OUT/boots"
cp "$RUN/run-a.serial" "$OUT/serial-run-a.log"
cp "$RUN/run-b.serial" "$OUT/serial-run-b.log"
KVER="$(cat "$IMG/kernel-version")"
{
    printf '# UEFI boot variables on OVMF: BootNext to a second entry, fallback after a failed boot\n\n'
    printf -- '- Firmware: Debian package `ovmf` %s (`%s` read-only pflash, a per-run copy of `%s` writable pflash; NVRAM persists across all boots of the run)\n' \
        "$OVMF_VER" "$OVMF_CODE" "$OVMF_VARS"
    printf -- '- Emulator: %s, `-accel tcg -machine q35 -cpu max -smp %s -m %s`, no network\n' \
        "$(qemu-system-x86_64 --version | head -1)" "$SMP" "$MEM"
    printf -- '- Guest: Debian 12 bookworm, `debootstrap --variant=minbase --include=%s` from the host'"'"'s Debian mirror; kernel %s (package linux-image-%s %s) booted as an EFI-stub loader `\\EFI\\kldload\\vmlinuz.efi` from the ESP (partition 1 of a GPT disk), initrd `\\EFI\\kldload\\initrd.img` given by `initrd=` in the load options\n' \
        "$(IFS=,; echo "${GUEST_PACKAGES[*]}")" "$KVER" "$KVER" "$(awk -v p="linux-image-$KVER" '$1==p{print $2}' "$IMG/packages.txt")"
    printf -- '- efibootmgr in the guest: %s; systemd %s\n' \
        "$(awk '$1=="efibootmgr"{print $2}' "$IMG/packages.txt")" "$(awk '$1=="systemd"{print $2}' "$IMG/packages.txt")"
    printf -- '- Host: %s, host kernel %s\n' "$(. /etc/os-release; echo "$PRETTY_NAME")" "$(uname -r)"
    printf -- '- Captured: %s by `Tests/capture/efi-bootnext.sh` (run A %s s, run B %s s, wall clock under TCG on a shared 2-core machine)\n\n' \
        "$(date -u +%Y-%m-%d)" "$((TA - T0))" "$((TB - TA))"
    if [[ $EXPERIMENT == kbe-commands ]]; then cat <<'TXT'
## How it was captured (EFI_EXPERIMENT=kbe-commands)

The guest runs one shell script (`run.sh`, embedded in `Tests/capture/efi-bootnext.sh`) at every
boot from an ext4 exchange disk mounted `-o sync`; the host reads the disk back with
`debugfs -R 'rdump /out …'` after the last boot. Nothing here was edited.

- Run A (boot 1): QEMU with `-kernel/-initrd/-append '… kldload.entry=setup'`; the guest creates
  `kldload default` with `efibootmgr --create … --unicode '<base> kldload.entry=default'`
  (first in `BootOrder`) and powers off.
- Run B (boot 2): QEMU without `-kernel`: OVMF boots `kldload default`, so `BootCurrent` names
  it. The guest then runs kbe's commands for a trial of `rpool/ROOT/test`, each with kbe's
  exact argv (`2-commands/commands.txt`): `cat /proc/self/mounts`; `lsblk --pairs --paths
  --output NAME,PKNAME,PARTUUID`; `efibootmgr --create-only --disk /dev/vda --part 1 --loader
  '\EFI\kldload\vmlinuz.efi' --label 'kldload trial' --unicode '<base> kldload.entry=default
  zbm.prefer=rpool/ROOT/test!'`; `efibootmgr --bootnext <trial>`; `efibootmgr
  --delete-bootnext` (twice: the second finds no BootNext); `efibootmgr --bootnum <trial>
  --delete-bootnum` (twice: the second finds no entry); an entry with no load options
  (`--create-only … --loader '\EFI\zbm\zfsbootmenu.efi' --label 'ZFSBootMenu bundle'`, the
  shape of a bundle whose command line is inside the image; only its bytes are used) and its
  deletion; then `mount -o remount,ro /sys/firmware/efi/efivars`, `cat /proc/self/mounts` and
  `efibootmgr --bootnext 0001` (refused by the read-only efivarfs), remount rw; then creates the
  trial entry again (`… kldload.entry=trial zbm.prefer=rpool/ROOT/test!`), sets `BootNext` to
  it and resets.
- Boot 3 (same QEMU run): the firmware starts the trial entry (`BootCurrent` names it); the
  guest deletes it with `efibootmgr --bootnum <trial> --delete-bootnum` (what `kbe confirm`
  runs in a trial boot) and powers off.
  `snap` folders between the steps hold `efibootmgr`, `efibootmgr -v` and the efivarfs bytes.

`<base>` = `initrd=\EFI\kldload\initrd.img root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0`.
TXT
    else cat <<'TXT'
## How it was captured

The guest runs one shell script (`run.sh`, embedded in `Tests/capture/efi-bootnext.sh`) at every
boot from an ext4 exchange disk mounted `-o sync`; the host reads the disk back with
`debugfs -R 'rdump /out …'` after the last boot. Nothing here was edited.

- Run A: QEMU with `-kernel/-initrd/-append '… kldload.entry=setup'` (OVMF starts the kernel
  itself; this is only how the entries get created). The guest creates, on the same ESP
  partition 1 and the same loader, `kldload default` with
  `efibootmgr --create … --unicode '<base> kldload.entry=default'` and `kldload trial` with
  `efibootmgr --create-only … --unicode '<base> kldload.entry=trial panic=5'` (never in
  `BootOrder`), then `efibootmgr -n <trial>`, then powers off.
- Run B: QEMU without `-kernel` and without `-no-reboot`: OVMF's boot manager chooses every
  boot; the guest's panic and `reboot -f` reset the machine inside the same QEMU process.

`<base>` = `initrd=\EFI\kldload\initrd.img root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0`.

## Layout

- `boots`: one line per boot: boot number, `kldload.entry=` seen on `/proc/cmdline`, what the
  script did next.
- One folder per step, `<boot>-<what>`: `proc-cmdline.stdout`, `efibootmgr.stdout`,
  `efibootmgr-v.stdout` (exact stdout; `.stderr`/`.status` only when non-empty/non-zero),
  `bootnext-exists` (`present`/`absent`: the efivarfs file
  `BootNext-8be4df61-93ca-11d2-aa0d-00e098032b8c`), `commands.txt` (the argv of each capture),
  `efivars/` with verbatim copies of the efivarfs files `Boot####`, `BootOrder`,
  `BootCurrent`, `BootNext` (4-byte little-endian attributes + the variable's data) and an
  `od -A x -t x1z -v` dump of each. `1-setup-create/` holds the `efibootmgr --create`,
  `--create-only` and `-n` runs.
- `serial-run-a.log`, `serial-run-b.log`: the whole serial console (OVMF, kernel, agent lines
  `EFI-AGENT: …`), verbatim.
TXT
    fi
} >"$OUT/PROVENANCE.md"
rm -f "$RUN/disk.img"   # ~1 GB per run; the serial logs and the exchange disk stay in $RUN
log "fixtures in ${OUT#"$REPO_ROOT"/}; total $(( $(date +%s) - T0 )) s"
