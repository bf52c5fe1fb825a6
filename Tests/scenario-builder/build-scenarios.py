#!/usr/bin/env python3
"""Assemble the kupgrade replay scenarios (Fixtures/scenarios/kupgrade-*/) from captured output.

Every recording is a verbatim copy of a file under Fixtures/ that a real program wrote (see the
PROVENANCE.md next to each source); nothing here writes program output by hand. The only files
this script writes itself are: argv files (the command kupgrade runs), scenario.conf, empty
placeholder files whose *existence* is what kupgrade checks (e.g. /usr/bin/apt-get), and empty
recordings for commands that print nothing on success (zfs snapshot, zfs set, ln), each with its
reason in PROVENANCE.md.

Sources of a recording: "cap:PATH" (Fixtures/PATH.{stdout,stderr,status}), "vm:STATE/NAME" (the
OpenZFS VM captures), "scn:SCENARIO/commands/NNN" (one recording of a scenario recorded live with
KLDLOAD_RECORD, files stdout/stderr/status), or ("silent", why). Files under root/: "file:PATH"
(a copy of Fixtures/PATH), a "cap:"/"vm:" capture's stdout, "placeholder" (empty file),
"directory" (an empty directory, kept in git by the recorder's `.kldload-directory` marker, which
the replay hides) or ("symlink", TARGET) (a relative symbolic link); a root entry may carry a third
element, the reason, which PROVENANCE.md prints instead of the generic one. A scenario's `notes`
(list of paragraphs) are appended to its PROVENANCE.md.

Usage: python3 Tests/scenario-builder/build-scenarios.py [--check] [NAME...]
  --check   only report which sources are missing.
A scenario whose sources are not all present is not written (it is reported instead).
"""
import glob
import hashlib
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(os.path.dirname(os.path.dirname(HERE)), "Fixtures")   # Fixtures/
OUT = os.path.join(FIX, "scenarios")                                        # Fixtures/scenarios/
VERSION = "0.1.0"

APT = "apt/2.6.1-debian12-chroot/"
DNF = "dnf/4.14.0-debian12/"
PAC = "pacman/6.0.2-debian12/"
BE_LIST = ["zfs", "list", "-Hp", "-t", "filesystem,volume,snapshot", "-r", "-o",
           "name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,"
           "creation,org.kldload:description", "rpool/ROOT"]
BOOTFS = ["zpool", "get", "-Hp", "bootfs", "rpool"]
POOL = ["zpool", "get", "-Hp", "bootfs,health,free,size,allocated", "rpool"]
STATUS = ["zpool", "status", "-x", "rpool"]
NOW = "2026-11-22T10:30:00Z"
NAME = "pre-upgrade-20261122-103000"
SNAP = ["zfs", "snapshot", "-o", f"org.kldload:kupgrade-version={VERSION}", "-o",
        "org.kldload:command=kupgrade", f"rpool/ROOT/default@{NAME}"]
APT_UPGRADE = ["apt-get", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o",
               "Dpkg::Options::=--force-confold", "dist-upgrade"]
RETENTION = ["zfs", "list", "-Hp", "-t", "snapshot", "-d", "1", "-s", "creation", "-o",
             "name,creation,clones,org.kldload:kupgrade-version", "rpool/ROOT/default"]
SILENT_SNAPSHOT = "zfs snapshot prints nothing on success (cmd/zfs/zfs_main.c, zfs_do_snapshot)"
SILENT_SET = "zfs set prints nothing on success (cmd/zfs/zfs_main.c, zfs_do_set)"


def zfs_set(result, packages, kernel="none"):
    return ["zfs", "set", f"org.kldload:result={result}", f"org.kldload:packages={packages}",
            f"org.kldload:new-kernel={kernel}", f"rpool/ROOT/default@{NAME}"]


# Sources: "cap:PATH" = Fixtures/PATH.{stdout,stderr,status}; "vm:STATE/NAME" = the VM capture
# Fixtures/zfs-2.1/openzfs-*-debian12/STATE/NAME.{...}; ("silent", why) = no output, exit 0.
DEBIAN_ROOT = [("etc/os-release", "vm:system/os-release"), ("proc/self/mounts", "vm:system/proc-self-mounts"),
               ("usr/bin/apt-get", "placeholder"), ("usr/sbin/dkms", "placeholder")]
KBE_READS = [(BOOTFS, "vm:bes/zpool-get-Hp-bootfs"), (BE_LIST, "vm:healthy/zfs-list-Hp-be")]
HEALTHY = KBE_READS + [(POOL, "vm:healthy/zpool-get-Hp-bootfs-etc"), (STATUS, "vm:healthy/zpool-status-x-rpool")]

ROCKY = "dnf/4.14.0-debian12-rocky9-kmod-zfs/"
FEDORA = "dnf/4.14.0-debian12-fedora40-zfs-dkms/"
EL_OLD, EL_NEW = "5.14.0-570.12.1.el9_6.x86_64", "5.14.0-570.17.1.el9_6.x86_64"
FC_OLD, FC_NEW = "6.8.5-301.fc40.x86_64", "6.10.4-200.fc40.x86_64"
PKGDB = "rpool/var/lib"
DNF_NOTE = ("dnf (real dnf 4.14.0 and rpm 4.18 of Debian 12, stand-in RPMs): the three dnf recordings are the stdout/stderr/"
            "status of `dnf --installroot=… --setopt=reposdir=… --releasever=… --nogpgcheck <same subcommand>` against a "
            "local repository of RPMs built from Tests/capture/dnf-zfs-specs/ (names, versions and layout of the real "
            "packages, no real kernel or OpenZFS inside); see Fixtures/{cap}PROVENANCE.md.")
RETENTION_NOTE = ("Retention listing: a verbatim copy of the recording kupgrade made of the same `zfs list` in the live e2e run "
                  "`Fixtures/scenarios/kupgrade-debian12-apt` (same OpenZFS 2.1.11 VM image and dataset layout); it lists that "
                  "run's own checkpoint, not this scenario's, which changes nothing here: with the default keep=10 nothing is "
                  "destroyed.")
ZFS_NOTE = ("ZFS side: the pool and BE reads are the OpenZFS 2.1.11 VM captures (Fixtures/zfs-2.1/openzfs-2.1.11-debian12: "
            "Debian 12 guest, pool rpool, BE rpool/ROOT/default, /var/lib on rpool/var/lib); kupgrade reads bootfs and the "
            "BE listing twice (discovery, then before the checkpoint), so each is recorded twice from the same capture. "
            "`zfs snapshot` and `zfs set` print nothing on success and are recorded empty. The pool, the BE and the "
            "package manager were never on one machine: this is an assembled scenario, not a live run.")


def snapshot_argv(*others):
    """kbe's one atomic checkpoint snapshot of the BE (and a split package-database dataset)."""
    return SNAP + [f"{d}@{NAME}" for d in others]


def kernel_tree(cap, prefix, fedora=False):
    """Root entries for the kernel files a capture's `find-modules` listing shows (tab-separated:
    path, type f/d/l, link target). Rocky: paths relative to the installroot's /lib/modules.
    Fedora: absolute (installroot vmlinuz, host /lib/modules/<k>/extra modules); depmod files,
    `build` links and directories are left out."""
    path = os.path.join(FIX, cap + "find-modules.stdout")
    if not os.path.exists(path):
        return [("lib/modules", "missing:Fixtures/" + cap + "find-modules.stdout")]
    out = []
    for line in open(path).read().splitlines():
        name, kind, target = (line.split("\t") + ["", ""])[:3]
        if fedora:
            rel = name[name.index("/lib/modules/") + 1:] if "/lib/modules/" in name else None
        else:
            rel = "lib/modules/" + name
        if not rel or kind == "d":
            continue
        base = os.path.basename(rel)
        if not (base == "vmlinuz" or base.endswith(".ko")):
            continue
        why = f"listed in Fixtures/{cap}find-modules.stdout as `{name}`"
        if kind == "l":
            out.append((rel, ("symlink", target), "relative symbolic link -> " + target + ", " + why +
                        " (made by the capture script in place of RHEL's weak-modules)"))
        elif base == "vmlinuz":
            out.append((rel, "placeholder", "empty placeholder for the kernel image the stand-in kernel-core installed, " + why))
        else:
            out.append((rel, "placeholder", "empty placeholder for a module file, " + why +
                        " (kupgrade reads it only through the recorded modinfo)"))
    return sorted(out)


SCENARIOS = {
    "kupgrade-nothing-to-upgrade": dict(
        description="Debian 12, apt: nothing to upgrade, no snapshot, exit 0",
        expect_exit=0, root=DEBIAN_ROOT,
        commands=HEALTHY + [
            (["apt-get", "update"], "cap:" + APT + "apt-get-update-v1"),
            (["apt-get", "-s", "dist-upgrade"], "cap:" + APT + "apt-get-s-dist-upgrade-noop"),
        ]),
    "kupgrade-rocky9-kmod-zfs": dict(
        description="Rocky 9.6, dnf 4: new kernel-core 5.14.0-570.17.1.el9_6 and kmod-zfs 2.2.8 (built for 5.14.0-570.12.1.el9_6): "
                    "ZFS OK on the new kernel through kABI weak-updates and on the old one from extra/; /var/lib/rpm on rpool/var/lib, "
                    "checkpointed with the BE; exit 0 (assembled from real captures)",
        expect_exit=0,
        root=[("etc/os-release", "file:os-release/rocky-9.6.os-release"),
              ("proc/self/mounts", "vm:system/proc-self-mounts"),
              ("usr/bin/dnf", "placeholder"),
              ("var/lib/rpm", "directory", "empty directory: Rocky 9 keeps the rpm database in /var/lib/rpm (kupgrade only "
               "tests that the directory exists; with the VM's mount table it lies on rpool/var/lib)")]
             + kernel_tree(ROCKY, "lib/modules/"),
        commands=HEALTHY + [
            (["dnf", "upgrade", "--assumeno"], "cap:" + ROCKY + "upgrade-assumeno"),
        ] + KBE_READS + [
            (snapshot_argv(PKGDB), ("silent", SILENT_SNAPSHOT)),
            (["dnf", "upgrade", "-y"], "cap:" + ROCKY + "upgrade-y"),
            (["dnf", "autoremove", "-y"], "cap:" + ROCKY + "autoremove-y"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{EL_NEW}/weak-updates/zfs/zfs.ko"], "cap:" + ROCKY + "modinfo-vermagic-new-weak-zfs"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{EL_NEW}/weak-updates/zfs/spl.ko"], "cap:" + ROCKY + "modinfo-vermagic-new-weak-spl"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{EL_OLD}/extra/zfs/zfs.ko"], "cap:" + ROCKY + "modinfo-vermagic-old-extra-zfs"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{EL_OLD}/extra/zfs/spl.ko"], "cap:" + ROCKY + "modinfo-vermagic-old-extra-spl"),
            (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
            (zfs_set("success", 3, EL_NEW), ("silent", SILENT_SET)),
            (RETENTION, "scn:kupgrade-debian12-apt/commands/017"),
            (["zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", PKGDB], "scn:kupgrade-debian12-apt/commands/018"),
        ],
        notes=[DNF_NOTE.format(cap=ROCKY),
               "Kernel modules (staged): the module entries under `root/lib/modules/` follow `find-modules` in the capture: "
               "empty placeholders `extra/zfs/{zfs,spl}.ko` of " + EL_OLD + " (where OpenZFS 2.2's kmod-zfs puts them, "
               "e.g. openzfs/zfs#16889) and, for " + EL_NEW + ", the relative symbolic links `weak-updates/zfs/{zfs,spl}.ko -> "
               "../../../" + EL_OLD + "/extra/zfs/{zfs,spl}.ko` that the capture script made in place of RHEL's `weak-modules` "
               "(which makes absolute links; weak-updates/zfs/... mirrors the path below extra/, e.g. openzfs/zfs#15831). "
               "The recorded `modinfo -F vermagic` answers are real modinfo runs on real module files (stand-in modules "
               "compiled by Debian's kbuild against headers whose UTS_RELEASE was set to " + EL_OLD + "), made on the "
               "installroot's paths.",
               "No `dkms status`: kmod-zfs systems have no dkms (no `/usr/sbin/dkms` in root/), so kupgrade does not run it.",
               RETENTION_NOTE + " The package-database twin listing (`zfs list -H -o name -t snapshot -d 1 rpool/var/lib`) comes from "
               "the same live run.",
               ZFS_NOTE]),
    # Fedora 40 (the last dnf 4 Fedora) with zfs-dkms (Tests/capture/dnf-zfs.sh fedora40): a new
    # kernel and zfs-dkms 2.2.6; DKMS built zfs for both kernels inside the transaction, so
    # kupgrade finds both built (dkms status: installed) and rebuilds nothing.
    "kupgrade-fedora-zfs-dkms": dict(
        description="Fedora 40, dnf 4: new kernel-core 6.10.4-200.fc40 and zfs-dkms 2.2.4 -> 2.2.6; dkms status: zfs 2.2.6 "
                    "installed for both kernels (/lib/modules/<k>/extra), nothing rebuilt; rpm database in /usr (inside the BE); "
                    "exit 0 (assembled from real captures)",
        expect_exit=0,
        root=[("etc/os-release", "file:os-release/fedora-40.os-release"),
              ("proc/self/mounts", "vm:system/proc-self-mounts"),
              ("usr/bin/dnf", "placeholder"),
              ("usr/sbin/dkms", "placeholder"),
              ("usr/lib/sysimage/rpm", "directory", "empty directory: Fedora 36+ keeps the rpm database in "
               "/usr/lib/sysimage/rpm, inside the BE (kupgrade only tests that the directory exists); see notes on /var/lib/rpm")]
             + kernel_tree(FEDORA, "/lib/modules/", fedora=True),
        commands=HEALTHY + [
            (["dnf", "upgrade", "--assumeno"], "cap:" + FEDORA + "upgrade-assumeno"),
        ] + KBE_READS + [
            (snapshot_argv(), ("silent", SILENT_SNAPSHOT)),
            (["dnf", "upgrade", "-y"], "cap:" + FEDORA + "upgrade-y"),
            (["dnf", "autoremove", "-y"], "cap:" + FEDORA + "autoremove-y"),
            (["dkms", "status"], "cap:" + FEDORA + "dkms-status"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{FC_NEW}/extra/zfs.ko"], "cap:" + FEDORA + "modinfo-vermagic-new-zfs"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{FC_NEW}/extra/spl.ko"], "cap:" + FEDORA + "modinfo-vermagic-new-spl"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{FC_OLD}/extra/zfs.ko"], "cap:" + FEDORA + "modinfo-vermagic-old-zfs"),
            (["modinfo", "-F", "vermagic", f"/lib/modules/{FC_OLD}/extra/spl.ko"], "cap:" + FEDORA + "modinfo-vermagic-old-spl"),
            (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
            (zfs_set("success", 3, FC_NEW), ("silent", SILENT_SET)),
            (RETENTION, "scn:kupgrade-debian12-apt/commands/017"),
        ],
        notes=[DNF_NOTE.format(cap=FEDORA),
               "dnf5: Fedora 41 and later run dnf5 as `dnf`. kupgrade runs the same argv there, but dnf5's transaction table "
               "and its exit status for `--assumeno` were not captured (Debian 12 has no dnf5), so this scenario covers dnf 4 "
               "only (Docs/KUPGRADE.md, \"Scenarios and tests\").",
               "DKMS (real dkms 3.0.10, staged around dnf): `dkms status` is the real output of Debian's dkms after the capture "
               "script ran what the Fedora transaction's scriptlets run (remove zfs/2.2.4, add zfs/2.2.6, install it for "
               + FC_OLD + ", `dkms autoinstall -k " + FC_NEW + "`), with `ADDON_MODULES_DIR=extra` (Fedora's module location) and "
               "a private `--dkmstree`/`--sourcetree` (so its argv had those options; kupgrade runs plain `dkms status`). "
               "The modules dkms installed are stand-ins (Tests/capture/zfs-stub-src) built against headers whose UTS_RELEASE "
               "was set to each Fedora release; `modinfo` ran on exactly the paths recorded here.",
               "Kernel tree: `lib/modules/<k>/vmlinuz` and `lib/modules/<k>/extra/{zfs,spl}.ko` are empty placeholders at the "
               "paths of `find-modules` in the capture (the installroot's vmlinuz files and the modules dkms installed); the "
               "depmod files and `build` links there are left out (kupgrade does not read them).",
               "Not represented: Fedora's compatibility symlink `/var/lib/rpm` -> `/usr/lib/sysimage/rpm` (Fedora 36+, "
               "https://fedoraproject.org/wiki/Changes/RelocateRPMToUsr): the capture's installroot has none. kupgrade's "
               "package-database check (PackageDatabaseGuard) follows such a link to `/usr/lib/sysimage/rpm`, inside the BE "
               "(tested by KBEPackageDatabaseLinkTests), so the link would change nothing here.",
               RETENTION_NOTE,
               ZFS_NOTE]),
}


def newkernel_scenario():
    """kupgrade-debian12-new-kernel-zfs-dkms-fails: assembled from the chroot captures of
    Tests/capture/newkernel-zfs-dkms.sh (package side: apt, dkms, modinfo, the /lib/modules and
    /boot listings) and the VM's ZFS captures (pool, BE listing). Kernel releases and module paths
    are read from those captures, never typed here. Returns (name, spec) or (name, None)."""
    name = "kupgrade-debian12-new-kernel-zfs-dkms-fails"
    apt = sorted(glob.glob(os.path.join(FIX, "apt", "*-debian12-chroot-bpo-kernel-zfs-dkms")))
    dk = sorted(glob.glob(os.path.join(FIX, "dkms", "*-debian12-chroot-zfs-bpo-kernel")))
    if not apt or not dk:
        return name, None
    apt = os.path.relpath(apt[-1], FIX) + "/"
    dk = os.path.relpath(dk[-1], FIX) + "/"
    # The kernels: /boot/vmlinuz-* in the chroot after the upgrade (real `ls -la /boot`).
    boot = open(os.path.join(FIX, dk, "ls-boot.stdout")).read().split()
    kernels = sorted({w[len("vmlinuz-"):] for w in boot if w.startswith("vmlinuz-")},
                     key=lambda k: [int(x) if x.isdigit() else x for x in
                                    __import__("re").split(r"(\d+)", k)])
    old, new = kernels[0], kernels[-1]
    # The zfs/spl modules present in the chroot (real `find /lib/modules -name zfs.ko* -o -name spl.ko*`).
    modules = [l.strip() for l in open(os.path.join(FIX, dk, "find-zfs-modules.stdout")) if l.strip()]
    # org.kldload:packages: the plan's package count (the Inst/Remv lines of apt-get -s dist-upgrade),
    # but 0 when the real dist-upgrade failed (a .status file: kupgrade records 0 after a failed transaction).
    sim = open(os.path.join(FIX, apt, "apt-get-s-dist-upgrade.stdout")).read().split("\n")
    packages = sum(1 for l in sim if l.startswith(("Inst ", "Remv ")))
    if os.path.exists(os.path.join(FIX, apt, "apt-get-dist-upgrade-confold.status")):
        packages = 0
    snap = SNAP + [f"rpool/var/lib@{NAME}"]
    root = [("etc/os-release", "cap:" + apt + "os-release"),
            ("proc/self/mounts", "vm:system/proc-self-mounts"),
            ("usr/bin/apt-get", "placeholder"), ("usr/sbin/dkms", "placeholder"),
            ("var/lib/dpkg/.kldload-directory", ("placeholder", "the recorder's directory marker (hidden by the replay) standing "
             "for the real /var/lib/dpkg (dpkg's database, in the chroot as on any Debian system); with the VM's mount table "
             "(/var/lib on rpool/var/lib) kupgrade finds the package database outside the BE and checkpoints rpool/var/lib too"))]
    for k in kernels:
        root.append(("boot/vmlinuz-" + k, ("placeholder", "the kernel image of " + k + ", present in the chroot's /boot after "
                     "the upgrade (Fixtures/" + dk + "ls-boot.stdout); kupgrade only checks that it exists")))
    # /boot as ls-boot.stdout lists it: only the old kernel has an initramfs (the new kernel's
    # postinst stopped at the dkms hook, before the initramfs hook).
    with open(os.path.join(FIX, dk, "ls-boot.stdout")) as f:
        for line in f:
            fields = line.split()
            if fields and fields[-1].startswith("initrd.img-"):
                root.append(("boot/" + fields[-1], ("placeholder", "the initramfs listed in Fixtures/" + dk + "ls-boot.stdout "
                             "(only the old kernel has one); kupgrade only checks which kernels have one")))
    root.append((f"lib/modules/{new}/modules.dep", ("placeholder", f"stands for the real /lib/modules/{new}/ tree "
                 f"(Fixtures/{dk}find-lib-modules.stdout lists its modules.dep and no zfs/spl module); a file keeps the directory")))
    modinfo = []
    for m in modules:
        root.append((m.lstrip("/"), ("placeholder", "module file listed in Fixtures/" + dk + "find-zfs-modules.stdout "
                     "(kupgrade asks modinfo about it; the recorded modinfo answers)")))
        base = os.path.basename(m).split(".")[0]
        kver = m.split("/")[3]
        modinfo.append((["modinfo", "-F", "vermagic", m], "cap:" + dk + f"modinfo-F-vermagic-{base}-{kver}"))
    commands = KBE_READS + [(POOL, "vm:healthy/zpool-get-Hp-bootfs-etc"), (STATUS, "vm:healthy/zpool-status-x-rpool"),
        (["apt-get", "update"], "cap:" + apt + "apt-get-update"),
        (["apt-get", "-s", "dist-upgrade"], "cap:" + apt + "apt-get-s-dist-upgrade"),
    ] + KBE_READS + [
        (snap, ("silent", SILENT_SNAPSHOT)),
        (APT_UPGRADE, "cap:" + apt + "apt-get-dist-upgrade-confold"),
        (["dkms", "status"], "cap:" + dk + "dkms-status-after-upgrade"),
        (["dkms", "autoinstall", "-k", new], "cap:" + dk + "dkms-autoinstall-k-new-kernel"),
    ] + modinfo + [
        (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
        (zfs_set("critical-module-failure", packages, new), ("silent", SILENT_SET)),
    ]
    notes = [
        "**Assembled, not a live recording.** No single machine ran this kupgrade. The package side (apt, dkms,",
        "modinfo, os-release, the kernel and module files) was captured natively in a Debian 12 chroot by",
        "`Tests/capture/newkernel-zfs-dkms.sh` (real Debian 12 `zfs-dkms` from contrib built by DKMS for " + old + ";",
        "the real bookworm-backports kernel " + new + " offered by a local `file:` repository, so the chroot's own",
        "`apt-get dist-upgrade` installed it and its postinst ran DKMS, which failed to build zfs; then the",
        "`dkms autoinstall -k " + new + "` kupgrade runs, failing again). The ZFS side (pool health, the BE",
        "listing, bootfs, /proc/self/mounts with `/` on rpool/ROOT/default and /var/lib on rpool/var/lib) comes",
        "from the real OpenZFS 2.1.11 VM captures; `zfs snapshot` and `zfs set` print nothing on success and",
        "are recorded empty. kupgrade reads bootfs and the BE listing twice (before planning and again before",
        "the checkpoint), so those two recordings appear twice. No autoremove (skipped after a failed",
        "transaction) and no retention (only after exit 0/1).",
        "", "Kernels: " + old + " (bookworm's kernel, installed first, zfs/spl built for it) and " + new + " (new, newest, so it boots next:",
        "NextBootKernel.select with no org.zfsbootmenu:kernel property). Expected: exit 5, DO NOT REBOOT.", "",
        "What the real package side did: dkms 3.0.10's /etc/kernel/postinst.d/dkms hook ran `dkms autoinstall` for the new",
        "kernel inside the linux-image postinst; OpenZFS 2.1.11's configure stopped (`None of the expected \"file_fallocate\"",
        "interfaces were detected ... Compatible Kernels: 3.10 - 6.2`), the hook exited 11, dpkg left the kernel half-configured",
        "(iF) and its headers/metapackages unconfigured, and apt-get exited 100. So on Debian 12 this case is a failed",
        "transaction *and* a critical module failure: kupgrade prints the transaction-failed variant of the DKMS FAILURE block",
        "and exits 5 (critical wins over 4). The retry `dkms autoinstall -k` fails the same way (exit 11). The half-configured",
        "kernel also has no initrd in /boot (ls-boot: the initramfs-tools hook runs after the dkms hook).",
        "All chroot captures: see the PROVENANCE.md of Fixtures/" + apt + " and Fixtures/" + dk + ".", ""]
    # One paragraph per note (build() prints each note as a paragraph).
    paragraphs, current = [], []
    for line in notes:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    notes = paragraphs + ([" ".join(current)] if current else [])
    return name, dict(
        description="Debian 12, apt: the bookworm-backports kernel " + new + " arrives, zfs-dkms 2.1 does not build for it "
                    "(in the transaction, then in kupgrade's dkms autoinstall retry): exit 5, DO NOT REBOOT",
        expect_exit=5, root=root, commands=commands, notes=notes)


_nk_name, _nk_spec = newkernel_scenario()
if _nk_spec is not None:
    SCENARIOS[_nk_name] = _nk_spec


def vm_dir():
    found = sorted(glob.glob(os.path.join(FIX, "zfs-2.1", "openzfs-*-debian12")))
    return found[-1] if found else None


def write_command(out, i, argv, files):
    """commands/NNN/argv (one argument per line) and the recorded stdout/stderr/status copies."""
    d = os.path.join(out, "commands", f"{i:03d}")
    os.makedirs(d)
    with open(os.path.join(d, "argv"), "w") as f:
        f.write("\n".join(argv) + "\n")
    for ext, src in (files or {}).items():
        shutil.copyfile(src, os.path.join(d, ext))


def prepare_output(name, missing, check):
    """The scenario folder, emptied and ready to write; or True/False (the result) when the build
    stops here: sources missing, `--check`, or a folder this script did not write (a live
    KLDLOAD_RECORD recording, never replaced)."""
    if missing:
        print(f"{name}: NOT BUILT, missing or mismatched sources:")
        for m in missing:
            print("  - " + m)
        return False
    if check:
        print(f"{name}: all sources present")
        return True
    out = os.path.join(OUT, name)
    prov_path = os.path.join(out, "PROVENANCE.md")
    if os.path.exists(out) and not (os.path.exists(prov_path) and
                                    "Built by `python3 Tests/scenario-builder/build-scenarios.py" in open(prov_path).read()):
        print(f"{name}: NOT BUILT, {out} exists and was not written by this script (a live recording?)")
        return False
    shutil.rmtree(out, ignore_errors=True)
    return out


def resolve(source):
    """-> (files {ext: path}, provenance text) or (None, missing text)."""
    if isinstance(source, tuple):
        return {}, "no output, exit 0: " + source[1]
    kind, _, rest = source.partition(":")
    if kind == "cap":
        base = os.path.join(FIX, rest)
        origin = "Fixtures/" + rest
    elif kind == "scn":
        d = os.path.join(OUT, rest)
        files = {ext: os.path.join(d, ext) for ext in ("stdout", "stderr", "status") if os.path.exists(os.path.join(d, ext))}
        if not os.path.exists(os.path.join(d, "argv")):
            return None, "Fixtures/scenarios/" + rest + " (recording not present)"
        return files, "verbatim copy of Fixtures/scenarios/" + rest + "/{" + ",".join(sorted(files)) + "}" + sha_text(files)
    elif kind == "vm":
        root = vm_dir()
        if root is None:
            return None, "Fixtures/zfs-2.1/openzfs-*-debian12/" + rest + " (VM captures not present)"
        base = os.path.join(root, rest)
        origin = os.path.relpath(base, os.path.dirname(FIX))
    else:
        raise ValueError(source)
    files = {ext: base + "." + ext for ext in ("stdout", "stderr", "status") if os.path.exists(base + "." + ext)}
    if not files:
        return None, origin + ".{stdout,stderr,status}"
    return files, "verbatim copy of " + origin + ".{" + ",".join(sorted(files)) + "}" + sha_text(files)


def sha_text(files):
    """ (sha256 stdout …)" for the copied files, so PROVENANCE.md pins the bytes."""
    parts = [f"{ext} {hashlib.sha256(open(p, 'rb').read()).hexdigest()[:16]}" for ext, p in sorted(files.items())]
    return " (sha256 " + ", ".join(parts) + ")" if parts else ""


def module_tree(spec, missing):
    """The VM's real `find /lib/modules -name 'zfs.ko*' -o -name 'spl.ko*'` listing -> placeholder
    module files, a placeholder /boot/vmlinuz-KVER per kernel, and the modinfo recordings."""
    files, text = resolve("vm:system/find-zfs-modules")
    if files is None:
        missing.append(text)
        return [], []
    roots, commands = [], []
    kernels = []
    for path in open(files["stdout"]).read().split("\n"):
        path = path.strip()
        if not path.startswith("/lib/modules/"):
            continue
        kver = path.split("/")[3]
        if kver not in kernels:
            kernels.append(kver)
        roots.append((path.lstrip("/"), None, "empty placeholder for a module file listed in " + text +
                      " (kupgrade asks modinfo about it; the recorded modinfo answers)"))
        module = os.path.basename(path).split(".")[0]
        commands.append((["modinfo", "-F", "vermagic", path], "vm:system/modinfo-vermagic-" + module))
    for kver in kernels:
        roots.append(("boot/vmlinuz-" + kver, None,
                      "empty placeholder: the kernel image of " + kver + ", the kernel the VM booted (its modules are listed)"))
    return roots, commands


def build(name, spec, check):
    missing, plan = [], []
    extra_roots, extra_commands = module_tree(spec, missing) if spec.get("modules") else ([], [])
    # The module checks (modinfo) run after `dkms status` and before the Secure Boot step
    # (mokutil): insert them before the first mokutil, so recordings are in run order.
    commands = list(spec["commands"])
    at = next((i for i, (argv, _) in enumerate(commands) if argv[0] == "mokutil"), len(commands))
    commands[at:at] = extra_commands
    for i, (argv, source) in enumerate(commands, 1):
        files, text = resolve(source)
        if files is None:
            missing.append(text)
        plan.append((i, argv, files, text))
    roots = []
    for entry in spec["root"]:
        path, source = entry[0], entry[1]
        why = entry[2] if len(entry) > 2 else None
        if isinstance(source, str) and source.startswith("missing:"):
            missing.append(source[len("missing:"):])
            continue
        if source == "placeholder":
            roots.append((path, None, why or "empty placeholder: kupgrade only checks that the file exists"))
            continue
        if isinstance(source, tuple) and source[0] == "placeholder":
            roots.append((path, None, "empty placeholder: " + source[1]))
            continue
        if source == "directory" or (isinstance(source, tuple) and source[0] == "symlink"):
            roots.append((path, source, why or ("empty directory" if source == "directory" else "symbolic link")))
            continue
        if source.startswith("file:"):
            src = os.path.join(FIX, source[5:])
            text = "copy of Fixtures/" + source[5:]
        else:
            files, text = resolve(source)
            src = files.get("stdout") if files else None
        if not src or not os.path.exists(src):
            missing.append(text if source.startswith("vm:") else source)
            continue
        if why:
            text = why + "; " + text
        elif source.startswith("file:"):
            text += sha_text({"file": src})
        roots.append((path, src, text))
    roots += extra_roots
    out = prepare_output(name, missing, check)
    if not isinstance(out, str):
        return out
    prov = [f"# {name}", "", spec["description"] + ".", "",
            f"Built by `python3 Tests/scenario-builder/build-scenarios.py {name}`; expected exit status "
            f"{spec['expect_exit']}. Replay: `swift run kupgrade --replay Fixtures/scenarios/{name}`.", "",
            "Recordings (argv as kupgrade runs it; output copied byte for byte from the named capture, whose own",
            "PROVENANCE.md gives program version, distro, exact argv and date; captures made in a test root or",
            "against a local repository ran with extra options pointing there, which do not change the format):", ""]
    for i, argv, files, text in plan:
        write_command(out, i, argv, files)
        prov.append(f"- `commands/{i:03d}` `{' '.join(argv)}`: {text}")
    prov += ["", "Files under root/:", ""]
    for path, src, text in roots:
        dst = os.path.join(out, "root", path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if src == "directory":
            os.makedirs(dst, exist_ok=True)
            open(os.path.join(dst, ".kldload-directory"), "w").close()
        elif isinstance(src, tuple):
            os.symlink(src[1], dst)
        elif src:
            shutil.copyfile(src, dst)
        else:
            open(dst, "w").close()
        prov.append(f"- `root/{path}`: {text}")
    if spec.get("notes"):
        prov += ["", "## What is real, what is staged", ""]
        for note in spec["notes"]:
            prov += [note, ""]
        prov.pop()
    with open(os.path.join(out, "scenario.conf"), "w") as f:
        f.write(f"description={spec['description']}\nnow={NOW}\nuid=0\ninteractive=false\nexpect_exit={spec['expect_exit']}\n")
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(prov) + "\n")
    print(f"{name}: written")
    return True


# --- kupgrade-arch-holdback (helper rec-arch) -----------------------------------------------------
# Its sources are of kinds build() does not handle, so it has its own builder: recordings copied
# from a live recording's commands/NNN/ directory ("rec:"), and a staged root/ with Arch's
# `lib -> usr/lib` symlink and the zfs-linux module files.
ARCH_REC = "scenarios/kupgrade-debian12-apt-pkgdb-in-be"   # the real VM run the ZFS side comes from
ARCH_PAC = "pacman/6.0.2-debian12-arch-holdback/"
ARCH_MOD = "modinfo/kmod30-debian12-arch-staged/"
ARCH_KERNEL = "6.12.1-arch1-1"
ARCH_NAME = "pre-upgrade-20261122-051036"                   # the checkpoint name of that VM run
ARCH_CHECKPOINT = "rpool/ROOT/default@" + ARCH_NAME
ARCH_PLAN_DB = "/var/lib/kupgrade/checkupdates"


def arch_rec(number):
    """A recording of the VM run, reused for exactly the argv it recorded (checked when building)."""
    return ("rec", f"{ARCH_REC}/commands/{number:03d}")


def arch_holdback_commands():
    """(argv, source) in the order kupgrade runs them (the replay test demands that order)."""
    pac = lambda name: "cap:" + ARCH_PAC + name
    mod = lambda name: "cap:" + ARCH_MOD + name
    return [
        (BOOTFS, arch_rec(1)), (BE_LIST, arch_rec(2)),
        (POOL, arch_rec(3)), (STATUS, arch_rec(4)),
        (["ln", "-sfn", "/var/lib/pacman/local", ARCH_PLAN_DB + "/local"], pac("ln-sfn-local")),
        (["pacman", "-Sy", "--dbpath", ARCH_PLAN_DB, "--logfile", "/dev/null"], pac("Sy-checkupdates")),
        (["pacman", "-Qu", "--dbpath", ARCH_PLAN_DB], pac("Qu-checkupdates")),
        (["pacman", "-Q"], pac("Q-before")),
        (["pacman", "-Qi", "zfs-linux"], pac("Qi-zfs-linux")),
        (["pacman", "-Si", "--dbpath", ARCH_PLAN_DB, "zfs-linux"], pac("Si-checkupdates-zfs-linux")),
        (BOOTFS, arch_rec(7)), (BE_LIST, arch_rec(8)),  # kupgrade reads them again before the checkpoint
        (["zfs", "snapshot", "-o", f"org.kldload:kupgrade-version={VERSION}", "-o", "org.kldload:command=kupgrade",
          ARCH_CHECKPOINT], arch_rec(9)),
        (["pacman", "-Syu", "--noconfirm", "--ignore", "linux,linux-headers"], pac("Syu-ignore-linux")),
        (["modinfo", "-F", "vermagic", f"/lib/modules/{ARCH_KERNEL}/extra/zfs.ko.zst"], mod("vermagic-arch-zfs-ko-zst")),
        (["modinfo", "-F", "vermagic", f"/lib/modules/{ARCH_KERNEL}/extra/spl.ko.zst"], mod("vermagic-arch-spl-ko-zst")),
        (["mokutil", "--sb-state"], arch_rec(15)),  # not-found: the VM has no mokutil (nor has a default Arch install)
        (["zfs", "set", "org.kldload:result=success-with-warnings", "org.kldload:packages=1",
          "org.kldload:new-kernel=none", ARCH_CHECKPOINT],
         ("silent", SILENT_SET + "; the VM run's own `zfs set` on this checkpoint (Fixtures/" + ARCH_REC +
          "/commands/016, org.kldload:result=success) printed nothing and exited 0")),
        (RETENTION, arch_rec(17)),
    ]


def arch_resolve(source):
    """build()'s source kinds plus ("rec", DIR): a live recording's commands/NNN/{stdout,stderr,status}."""
    if isinstance(source, tuple) and source[0] == "rec":
        base = os.path.join(FIX, source[1])
        files = {ext: os.path.join(base, ext) for ext in ("stdout", "stderr", "status")
                 if os.path.exists(os.path.join(base, ext))}
        argv = open(os.path.join(base, "argv")).read().rstrip("\n").split("\n") if os.path.exists(os.path.join(base, "argv")) else None
        return files, "Fixtures/" + source[1], argv
    files, text = resolve(source)
    return files, text, None


def build_arch_holdback(name, spec, check):
    missing, plan = [], []
    for i, (argv, source) in enumerate(arch_holdback_commands(), 1):
        files, text, recorded_argv = arch_resolve(source)
        if files is None:
            missing.append(text)
        elif isinstance(source, tuple) and source[0] == "rec":
            # A recording is reused only for the very command it recorded.
            if recorded_argv is None:
                missing.append(text + "/argv")
            elif recorded_argv != argv:
                missing.append(f"{text}: recorded argv {' '.join(recorded_argv)!r} is not {' '.join(argv)!r}")
        plan.append((i, argv, source, files, text))
    roots = [
        ("etc/os-release", "os-release/arch.os-release",
         "copy of Fixtures/os-release/arch.os-release (a public Arch os-release sample; see that folder's PROVENANCE.md)"),
        ("proc/self/mounts", ARCH_REC + "/root/proc/self/mounts",
         "copy of the real mount table the recorder kept in Fixtures/" + ARCH_REC +
         "/root/proc/self/mounts (the VM guest: `/` is rpool/ROOT/default, no separate /var/lib, so the pacman "
         "database is inside the boot environment); it is a Debian guest's table, staged here for an Arch system"),
        ("usr/bin/pacman", None, "empty placeholder: kupgrade only checks that the package manager's binary exists"),
        ("var/lib/pacman", "dir", "empty directory (staged; with the recorder's `.kldload-directory` marker so git keeps "
         "it): pacman's database, which kupgrade only tests for existence to find the dataset holding it (with this mount "
         "table, rpool/ROOT/default: inside the BE, so the checkpoint is the BE alone)"),
        ("lib", "->usr/lib", "symlink `lib -> usr/lib`, as Arch's `filesystem` package has it (staged): kupgrade "
         "scans /lib/modules first, so on Arch it finds the kernel there and asks modinfo about /lib/modules/… paths"),
        (f"usr/lib/modules/{ARCH_KERNEL}/vmlinuz", None,
         f"empty placeholder (staged): the image of the installed kernel {ARCH_KERNEL} (Arch's `linux` package ships it "
         "there; the captured test package `linux` 6.12.1.arch1-1 installed a one-line text file at that path); kupgrade "
         "only checks that it exists"),
    ] + [(f"usr/lib/modules/{ARCH_KERNEL}/extra/{m}.ko.zst", None,
          f"empty placeholder (staged) for the module file the captured test package zfs-linux 2.2.7_6.12.1.arch1.1-1 "
          f"installed (see Fixtures/{ARCH_PAC}setup-Ql-zfs-linux.stdout); kupgrade lists it and asks modinfo, whose "
          f"recorded answer comes from the real (staged) module, Fixtures/{ARCH_MOD}PROVENANCE.md") for m in ("zfs", "spl")]
    for path, src, text in roots:
        if src and src != "dir" and not src.startswith("->") and not os.path.exists(os.path.join(FIX, src)):
            missing.append("Fixtures/" + src)
    out = prepare_output(name, missing, check)
    if not isinstance(out, str):
        return out
    prov = [f"# {name}", "", spec["description"] + ".", "",
            "**Assembled, not a live run.** No Arch machine on ZFS was available, so this scenario joins real",
            "captures made in three places, each with its own PROVENANCE.md:",
            "",
            f"- pacman 6.0.2 (Debian 12's pacman-package-manager) in a throwaway overlay root, run with **exactly the",
            f"  argv kupgrade runs** (default /etc/pacman.conf, /var/lib/pacman, `--dbpath {ARCH_PLAN_DB}`), against",
            "  local `core`/`extra`/`archzfs` repositories of tiny makepkg-built packages: linux and linux-headers",
            "  6.12.1.arch1-1 → 6.12.3.arch1-1 in core, kldload-app 1.0-1 → 1.1-1 in extra, while archzfs still only has",
            "  zfs-linux 2.2.7_6.12.1.arch1.1-1 (`depends: linux=6.12.1.arch1-1`): Fixtures/" + ARCH_PAC + ";",
            "- modinfo (kmod 30) on **staged** zfs/spl modules: minimal modules named zfs and spl (not OpenZFS) built",
            f"  with Debian's kbuild against a headers copy whose utsrelease.h says {ARCH_KERNEL}, compressed .ko.zst, and",
            "  installed by that zfs-linux test package: Fixtures/" + ARCH_MOD + ";",
            f"- every ZFS command (and `mokutil`, absent) from the real kupgrade run recorded live in the OpenZFS 2.1.11",
            f"  VM, Fixtures/{ARCH_REC}/ (a Debian 12 guest whose package database is inside the BE); `now` is that",
            f"  run's checkpoint second, so the checkpoint is named {ARCH_NAME} as there and its `zfs snapshot` and",
            "  retention recordings apply unchanged.",
            "",
            f"Built by `python3 Tests/scenario-builder/build-scenarios.py {name}`; expected exit status "
            f"{spec['expect_exit']} (success with warnings: linux and linux-headers are held back). "
            f"Replay: `swift run kupgrade --replay Fixtures/scenarios/{name}`; tests: `KupgradeArchScenarioTests`, "
            "`KupgradeScenarioTests`.",
            "",
            "## Recordings",
            "",
            "argv as kupgrade runs it (in this order); output copied byte for byte from the named source (with the first",
            "16 hex digits of each source file's sha256). The pacman, ln and modinfo captures ran as",
            "`chroot <throwaway root> ARGV` with ARGV identical to the recorded argv; the VM recordings were made by",
            "kupgrade itself (KLDLOAD_RECORD) with the same argv, which the builder checks.",
            ""]
    for i, argv, source, files, text in plan:
        write_command(out, i, argv, files)
        if isinstance(source, tuple) and source[0] == "rec":
            text = f"verbatim copy of {text}/{{{','.join(sorted(files))}}}{sha_text(files)}, recorded with the same argv"
        prov.append(f"- `commands/{i:03d}` `{' '.join(argv)}`: {text}")
    prov += ["", "## Files under root/", ""]
    for path, src, text in roots:
        dst = os.path.join(out, "root", path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if src == "dir":
            os.makedirs(dst)
            open(os.path.join(dst, ".kldload-directory"), "w").close()
        elif src and src.startswith("->"):
            os.symlink(src[2:], dst)
        elif src:
            shutil.copyfile(os.path.join(FIX, src), dst)
        else:
            open(dst, "w").close()
        prov.append(f"- `root/{path}`: {text}")
    prov += ["", "## What is staged, and why", "",
             "- The system as a whole: an Arch machine is assembled from a Debian VM's ZFS state and pacman/modinfo runs",
             "  on Debian 12; the packages are test packages, not Arch's (their names, versions and dependencies mimic",
             "  Arch and archzfs; `SigLevel = Never` because a throwaway repository has no keys).",
             "- The zfs/spl modules are stand-ins (their vermagic flags are Debian's: `modversions`).",
             "- root/: os-release (public sample), the mount table (the VM's), the symlink, the placeholders above.",
             "- `zfs set` after the run: no recording of that exact argv exists (the VM run succeeded without warnings);",
             "  `zfs set` prints nothing on success.",
             "",
             "## scenario.conf", "",
             f"Written by this builder: `now={spec['now']}` (see above), `uid=0`, `interactive=false`, "
             f"`expect_exit={spec['expect_exit']}`."]
    with open(os.path.join(out, "scenario.conf"), "w") as f:
        f.write(f"description={spec['description']}\nnow={spec['now']}\nuid=0\ninteractive=false\n"
                f"expect_exit={spec['expect_exit']}\n")
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(prov) + "\n")
    print(f"{name}: written")
    return True


SCENARIOS["kupgrade-arch-holdback"] = dict(
    builder=build_arch_holdback,
    description="Arch (assembled: pacman 6.0.2 against local core/extra/archzfs repositories, staged zfs-linux modules, "
                "ZFS from the OpenZFS 2.1.11 VM): zfs-linux pins linux=6.12.1.arch1-1, the repository has 6.12.3, so "
                "linux and linux-headers are held back (pacman -Syu --ignore linux,linux-headers); exit 1",
    now="2026-11-22T05:10:36Z", expect_exit=1)


def main(argv):
    if "-h" in argv or "--help" in argv:
        print("usage: build-scenarios.py [--check] [SCENARIO...]   (default: every scenario below)")
        print("\n".join("  " + n for n in SCENARIOS))
        return 0
    unknown = [a for a in argv if a.startswith("-") and a != "--check"]
    if unknown:
        print(f"build-scenarios.py: unknown option {unknown[0]} (try --help)", file=sys.stderr)
        return 2
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("-")] or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            print(f"build-scenarios.py: no scenario '{n}' is built here (live recordings are imported with "
                  "Tests/e2e/import-recording); try --help", file=sys.stderr)
            return 2
    ok = all([SCENARIOS[n].get("builder", build)(n, SCENARIOS[n], check) for n in names])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
