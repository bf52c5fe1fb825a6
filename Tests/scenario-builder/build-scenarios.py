#!/usr/bin/env python3
"""Assemble the kupgrade replay scenarios (Fixtures/scenarios/kupgrade-*/) from captured output.

Every recording is a verbatim copy of a file under Fixtures/ that a real program wrote (see the
PROVENANCE.md next to each source); nothing here writes program output by hand. The only files
this script writes itself are: argv files (the command kupgrade runs), scenario.conf, empty
placeholder files whose *existence* is what kupgrade checks (e.g. /usr/bin/apt-get), and empty
recordings for commands that print nothing on success (zfs snapshot, zfs set, ln), each with its
reason in PROVENANCE.md.

Usage: python3 Tests/scenario-builder/build-scenarios.py [--check] [NAME...]
  --check   only report which sources are missing.
A scenario whose sources are not all present is not written (it is reported instead).
"""
import glob
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

SCENARIOS = {
    "kupgrade-debian12-apt": dict(
        modules=True,
        description="Debian 12, apt: plan, checkpoint, dist-upgrade (confold), autoremove, ZFS modules OK, retention",
        expect_exit=0, root=DEBIAN_ROOT,
        commands=HEALTHY + [
            (["apt-get", "update"], "cap:" + APT + "apt-get-update-v2"),
            (["apt-get", "-s", "dist-upgrade"], "cap:" + APT + "apt-get-s-dist-upgrade"),
            (SNAP, ("silent", SILENT_SNAPSHOT)),
            (APT_UPGRADE, "cap:" + APT + "apt-get-dist-upgrade-confold"),
            (["apt-get", "-y", "autoremove"], "cap:" + APT + "apt-get-autoremove"),
            (["dkms", "status"], "vm:system/dkms-status"),
            (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
            (zfs_set("success", 3), ("silent", SILENT_SET)),
            (RETENTION, "vm:kupgrade/zfs-list-retention"),
        ]),
    "kupgrade-nothing-to-upgrade": dict(
        description="Debian 12, apt: nothing to upgrade, no snapshot, exit 0",
        expect_exit=0, root=DEBIAN_ROOT,
        commands=HEALTHY + [
            (["apt-get", "update"], "cap:" + APT + "apt-get-update-v1"),
            (["apt-get", "-s", "dist-upgrade"], "cap:" + APT + "apt-get-s-dist-upgrade-noop"),
        ]),
    "kupgrade-degraded-refusal": dict(
        description="rpool DEGRADED: refused before any change, exit 3",
        expect_exit=3, root=DEBIAN_ROOT,
        commands=KBE_READS + [(POOL, "vm:degraded/zpool-get-Hp-bootfs-etc"), (STATUS, "vm:degraded/zpool-status-x-rpool")]),
    "kupgrade-failed-transaction": dict(
        modules=True,
        description="Debian 12, apt: a postinst fails (exit 100): exit 4, checkpoint and rollback printed",
        expect_exit=4, root=DEBIAN_ROOT,
        commands=HEALTHY + [
            (["apt-get", "update"], "cap:" + APT + "apt-get-update-v3"),
            (["apt-get", "-s", "dist-upgrade"], "cap:" + APT + "apt-get-s-dist-upgrade-breaks"),
            (SNAP, ("silent", SILENT_SNAPSHOT)),
            (APT_UPGRADE, "cap:" + APT + "apt-get-dist-upgrade-postinst-fails"),
            (["dkms", "status"], "vm:system/dkms-status"),
            (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
            (zfs_set("transaction-failed", 0), ("silent", SILENT_SET)),
        ]),
    "kupgrade-arch-holdback": dict(
        modules=True,
        description="Arch (pacman 6.0.2 against a local repository mimicking archzfs): linux/linux-headers held back",
        expect_exit=0,
        root=[("etc/os-release", "file:os-release/arch.os-release"), ("proc/self/mounts", "vm:system/proc-self-mounts"),
              ("usr/bin/pacman", "placeholder")],
        commands=HEALTHY + [
            (["ln", "-sfn", "/var/lib/pacman/local", "/var/lib/kupgrade/checkupdates/local"],
             ("silent", "ln prints nothing on success")),
            (["pacman", "-Sy", "--dbpath", "/var/lib/kupgrade/checkupdates", "--logfile", "/dev/null"], "cap:" + PAC + "Sy-refresh"),
            (["pacman", "-Qu", "--dbpath", "/var/lib/kupgrade/checkupdates"], "cap:" + PAC + "Qu-pending"),
            (["pacman", "-Q"], "cap:" + PAC + "Q-before"),
            (["pacman", "-Qi", "zfs-linux"], "cap:" + PAC + "Qi-zfs-linux"),
            (["pacman", "-Si", "--dbpath", "/var/lib/kupgrade/checkupdates", "zfs-linux"], "cap:" + PAC + "Si-zfs-linux"),
            (SNAP, ("silent", SILENT_SNAPSHOT)),
            (["pacman", "-Syu", "--noconfirm", "--ignore", "linux,linux-headers"], "cap:" + PAC + "Syu-ignore-linux"),
            (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
            (zfs_set("success", 1), ("silent", SILENT_SET)),
            (RETENTION, "vm:kupgrade/zfs-list-retention"),
        ]),
    "kupgrade-rocky9-kmod": dict(
        modules=True,
        description="Rocky 9 (dnf 4.14 against a local repository with kernel-core/kmod-zfs/zfs-dkms packages)",
        expect_exit=0,
        root=[("etc/os-release", "file:os-release/rocky-9.3.os-release"), ("proc/self/mounts", "vm:system/proc-self-mounts"),
              ("usr/bin/dnf", "placeholder")],
        commands=HEALTHY + [
            (["dnf", "upgrade", "--assumeno"], "cap:" + DNF + "upgrade-assumeno"),
            (SNAP, ("silent", SILENT_SNAPSHOT)),
            (["dnf", "upgrade", "-y"], "cap:" + DNF + "upgrade-y"),
            (["dnf", "autoremove", "-y"], "cap:" + DNF + "autoremove-y"),
            (["mokutil", "--sb-state"], "cap:mokutil/0.6.0-debian12/sb-state-no-efi"),
            (zfs_set("success", 8, "5.14.0-570.el9.x86_64"), ("silent", SILENT_SET)),
            (RETENTION, "vm:kupgrade/zfs-list-retention"),
        ]),
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


def resolve(source):
    """-> (files {ext: path}, provenance text) or (None, missing text)."""
    if isinstance(source, tuple):
        return {}, "no output, exit 0: " + source[1]
    kind, _, rest = source.partition(":")
    if kind == "cap":
        base = os.path.join(FIX, rest)
        origin = "Fixtures/" + rest
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
    return files, "verbatim copy of " + origin + ".{" + ",".join(sorted(files)) + "}"


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
    for path, source in spec["root"]:
        if source == "placeholder":
            roots.append((path, None, "empty placeholder: kupgrade only checks that the file exists"))
            continue
        if isinstance(source, tuple) and source[0] == "placeholder":
            roots.append((path, None, "empty placeholder: " + source[1]))
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
        roots.append((path, src, text))
    roots += extra_roots
    if missing:
        print(f"{name}: NOT BUILT, missing sources:")
        for m in missing:
            print("  - " + m)
        return False
    if check:
        print(f"{name}: all sources present")
        return True
    out = os.path.join(OUT, name)
    shutil.rmtree(out, ignore_errors=True)
    prov = [f"# {name}", "", spec["description"] + ".", "",
            f"Built by `python3 Tests/scenario-builder/build-scenarios.py {name}`; expected exit status "
            f"{spec['expect_exit']}. Replay: `swift run kupgrade --replay Fixtures/scenarios/{name}`.", ""] + spec.get("notes", []) + [
            "Recordings (argv as kupgrade runs it; output copied byte for byte from the named capture, whose own",
            "PROVENANCE.md gives program version, distro, exact argv and date; captures made in a test root or",
            "against a local repository ran with extra options pointing there, which do not change the format):", ""]
    for i, argv, files, text in plan:
        d = os.path.join(out, "commands", f"{i:03d}")
        os.makedirs(d)
        with open(os.path.join(d, "argv"), "w") as f:
            f.write("\n".join(argv) + "\n")
        for ext, src in (files or {}).items():
            shutil.copyfile(src, os.path.join(d, ext))
        prov.append(f"- `commands/{i:03d}` `{' '.join(argv)}`: {text}")
    prov += ["", "Files under root/:", ""]
    for path, src, text in roots:
        dst = os.path.join(out, "root", path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if src:
            shutil.copyfile(src, dst)
        else:
            open(dst, "w").close()
        prov.append(f"- `root/{path}`: {text}")
    with open(os.path.join(out, "scenario.conf"), "w") as f:
        f.write(f"description={spec['description']}\nnow={NOW}\nuid=0\ninteractive=false\nexpect_exit={spec['expect_exit']}\n")
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(prov) + "\n")
    print(f"{name}: written")
    return True


def main(argv):
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("-")] or list(SCENARIOS)
    ok = all([build(n, SCENARIOS[n], check) for n in names])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
