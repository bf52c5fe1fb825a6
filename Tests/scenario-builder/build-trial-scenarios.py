#!/usr/bin/env python3
"""Assembles the Fixtures/scenarios/kbe-trial-* replay scenarios (trial boots, Docs/TRIAL.md)
from two real captures, copying every file verbatim and writing each scenario's PROVENANCE.md
with the source and sha256 of every file:

- ZFS side: Fixtures/zfs-2.3/openzfs-2.3.9-debian13/trial (Tests/capture/trial-zfs.sh: kbe's
  zfs/zpool argv in the Debian 13 ZFS-root VM);
- UEFI side: Fixtures/efi/ovmf-2022.11-debian12-kbe-commands (Tests/capture/efi-bootnext.sh with
  EFI_EXPERIMENT=kbe-commands: kbe's efibootmgr/lsblk argv and the efivarfs bytes on OVMF).

Usage: python3 Tests/scenario-builder/build-trial-scenarios.py   (rebuilds all of them)
"""
import hashlib, os, shutil, sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ZFS = "Fixtures/zfs-2.3/openzfs-2.3.9-debian13/trial"
EFI = "Fixtures/efi/ovmf-2022.11-debian12-kbe-commands"
NOW = "2026-11-22T03:53:41Z"  # = org.kldload:trial-since in the ZFS capture
G = "8be4df61-93ca-11d2-aa0d-00e098032b8c"


def zfs(name):
    """A command recorded by trial-zfs.sh: its argv file and outputs."""
    base = os.path.join(ZFS, name)
    return ("zfs", base)


def efi(step, name):
    return ("efi", os.path.join(EFI, step, name))


SCENARIOS = {
    "kbe-trial-arm": dict(
        description="kbe activate --trial test: BootCurrent is the ZFSBootMenu stand-in entry 0001, no trial pending",
        mounts=os.path.join(ZFS, "proc-self-mounts.stdout"), efivars="2-before-trial",
        commands=[zfs("01-zpool-get-bootfs"), zfs("02-zfs-list-be"), zfs("03-get-local-root"), efi("2-commands", "lsblk"),
                  zfs("04-get-cmdline-test"), zfs("05-set-cmdline-test"), efi("2-commands", "create-trial"),
                  zfs("07-set-trial"), efi("2-commands", "bootnext")]),
    "kbe-trial-not-uefi": dict(
        description="a ZFS-root system booted without UEFI: kbe activate --trial is refused",
        mounts=os.path.join(ZFS, "proc-self-mounts.stdout"), efivars=None,
        commands=[zfs("01-zpool-get-bootfs"), zfs("02-zfs-list-be"), zfs("03-get-local-root")]),
    "kbe-trial-no-bootcurrent": dict(
        description="UEFI variables without BootCurrent (OVMF's fresh NVRAM, kernel started by QEMU -kernel): refused",
        mounts=os.path.join(ZFS, "proc-self-mounts.stdout"), efivars="1-setup-fresh-nvram",
        commands=[zfs("01-zpool-get-bootfs"), zfs("02-zfs-list-be"), zfs("03-get-local-root")]),
    "kbe-trial-efivars-ro": dict(
        description="efivarfs mounted read-only (the OVMF guest's mount table; run with --pool rpool): refused",
        mounts=os.path.join(EFI, "2-commands", "proc-self-mounts-efivars-ro.stdout"), efivars="2-before-trial",
        commands=[zfs("01-zpool-get-bootfs"), zfs("02-zfs-list-be"), zfs("03-get-local-root")]),
    "kbe-trial-armed": dict(
        description="a trial of test armed, not booted yet (BootNext = 0006, the trial entry): refusal of a second trial, trial-check, --cancel-trial, list",
        mounts=os.path.join(ZFS, "proc-self-mounts.stdout"), efivars="2-bootnext-set",
        commands=[zfs("01-zpool-get-bootfs"), zfs("02-zfs-list-be"), zfs("08-get-local-root-trial"),
                  efi("2-commands", "delete-bootnext"), efi("2-commands", "delete-trial"),
                  zfs("12-inherit-trial"), zfs("13-inherit-trial-from"), zfs("14-inherit-trial-since")]),
    "kbe-trial-fallback": dict(
        description="after a failed trial: the firmware booted the default (BootCurrent 0001, BootNext consumed, trial entry 0006 still there), trial of test still recorded",
        mounts=os.path.join(ZFS, "proc-self-mounts.stdout"), efivars="2-bootnext-deleted",
        commands=[zfs("01-zpool-get-bootfs"), zfs("02-zfs-list-be"), zfs("08-get-local-root-trial"),
                  zfs("15-set-result-failed"), efi("2-commands", "delete-trial"),
                  zfs("12-inherit-trial"), zfs("13-inherit-trial-from"), zfs("14-inherit-trial-since")]),
}


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]


def efi_argv(step, name):
    """The argv of an efibootmgr/lsblk capture, from the step's commands.txt (LC_ALL=C 'a' 'b' …)."""
    for line in open(os.path.join(REPO, EFI, step, "commands.txt"), encoding="utf-8"):
        if line.startswith(name + ": "):
            rest = line[len(name) + 2:].rsplit(" (exit ", 1)[0]
            assert rest.startswith("LC_ALL=C ")
            rest = rest[len("LC_ALL=C "):]
            args, cur, inq = [], "", False
            for ch in rest:
                if ch == "'":
                    inq = not inq
                    if not inq:
                        args.append(cur); cur = ""
                elif inq:
                    cur += ch
            return args
    sys.exit(f"no {name} in {EFI}/{step}/commands.txt")


def build(name, spec):
    out = os.path.join(REPO, "Fixtures/scenarios", name)
    if os.path.exists(out):
        prov = os.path.join(out, "PROVENANCE.md")
        if not os.path.exists(prov) or "build-trial-scenarios.py" not in open(prov).read():
            sys.exit(f"{out} was not written by this builder; not replacing it")
        shutil.rmtree(out)
    os.makedirs(out)
    rows = []

    def copy(src, dest_rel, what):
        dest = os.path.join(out, dest_rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(REPO, src), dest)
        rows.append(f"| `{dest_rel}` | {what} | `{src}` | `{sha(dest)}` |")

    copy(spec["mounts"], "root/proc/self/mounts", "the mount table")
    if spec["efivars"]:
        d = os.path.join(EFI, spec["efivars"], "efivars")
        for f in sorted(os.listdir(os.path.join(REPO, d))):
            if f.endswith(".hex"):
                continue
            copy(os.path.join(d, f), f"root/sys/firmware/efi/efivars/{f}", f"efivarfs file (OVMF step `{spec['efivars']}`)")
    for i, (kind, base) in enumerate(spec["commands"], 1):
        n = f"{i:03d}"
        cdir = os.path.join(out, "commands", n)
        os.makedirs(cdir)
        if kind == "zfs":
            shutil.copyfile(os.path.join(REPO, base + ".argv"), os.path.join(cdir, "argv"))
            argv = open(os.path.join(cdir, "argv"), encoding="utf-8").read().rstrip("\n").split("\n")
            rows.append(f"| `commands/{n}/argv` | `{' '.join(argv)}` | `{base}.argv` | `{sha(os.path.join(cdir, 'argv'))}` |")
            for ext in ("stdout", "stderr", "status"):
                src = base + "." + ext
                if ext != "status" and os.path.getsize(os.path.join(REPO, src)) == 0:
                    continue
                copy(src, f"commands/{n}/{ext}", ext)
        else:
            step, cname = os.path.dirname(base), os.path.basename(base)
            step = os.path.basename(step)
            argv = efi_argv(step, cname)
            with open(os.path.join(cdir, "argv"), "w", encoding="utf-8") as f:
                f.write("\n".join(argv) + "\n")
            rows.append(f"| `commands/{n}/argv` | `{' '.join(argv)}` | `{EFI}/{step}/commands.txt` (line `{cname}:`, one argument per line) | `{sha(os.path.join(cdir, 'argv'))}` |")
            for ext in ("stdout", "stderr", "status"):
                src = base + "." + ext
                if os.path.exists(os.path.join(REPO, src)) and os.path.getsize(os.path.join(REPO, src)) > 0:
                    copy(src, f"commands/{n}/{ext}", ext)
    with open(os.path.join(out, "scenario.conf"), "w") as f:
        f.write(f"description={spec['description']}\nnow={NOW}\nuid=0\ninteractive=false\n")
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write(f"""# {name}

{spec['description']}.

Assembled by `Tests/scenario-builder/build-trial-scenarios.py` from two real captures (nothing
edited; every file below is a byte-for-byte copy, sha256 prefix given):

- ZFS side: `{ZFS}` (OpenZFS 2.3.9, Debian 13 ZFS-root VM; `Tests/capture/trial-zfs.sh`; see its PROVENANCE.md);
- UEFI side: `{EFI}` (Debian 12 OVMF 2022.11 under QEMU, efibootmgr 17; `Tests/capture/efi-bootnext.sh`
  with `EFI_EXPERIMENT=kbe-commands`; see its PROVENANCE.md).

The two captures come from two machines: the ZFS VM booted through QEMU `-kernel` (no UEFI), the
OVMF guest has an ext4 root. The scenario puts the ZFS machine's pool and mount table together with
the OVMF machine's boot variables, which is what kbe sees on one UEFI machine with a ZFS root. The
ZFSBootMenu entry is stood in for by the OVMF guest's `kldload default` (an EFI-stub kernel with
its command line in the load options: the components layout). A file that is absent is an empty
output (the capture's file was empty); `status` holds the exit status as captured.
`scenario.conf`: `now` = the `org.kldload:trial-since` value the ZFS capture set (2026-11-22T03:53:41Z).

| scenario file | what | copied from | sha256 |
|---|---|---|---|
""" + "\n".join(rows) + "\n")
    print(f"built {name}")


if __name__ == "__main__":
    names = sys.argv[1:] or list(SCENARIOS)
    for n in names:
        build(n, SCENARIOS[n])
