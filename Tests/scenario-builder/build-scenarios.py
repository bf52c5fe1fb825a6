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
            f"{spec['expect_exit']}. Replay: `swift run kupgrade --replay Fixtures/scenarios/{name}`.", "",
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


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


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
        if src and not src.startswith("->") and not os.path.exists(os.path.join(FIX, src)):
            missing.append("Fixtures/" + src)
    if missing:
        print(f"{name}: NOT BUILT, missing or mismatched sources:")
        for m in missing:
            print("  - " + m)
        return False
    if check:
        print(f"{name}: all sources present")
        return True
    out = os.path.join(OUT, name)
    shutil.rmtree(out, ignore_errors=True)
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
            "argv as kupgrade runs it (in this order); output copied byte for byte from the named source (first 16 hex",
            "digits of the sha256 of each source file in brackets). The pacman, ln and modinfo captures ran as",
            "`chroot <throwaway root> ARGV` with ARGV identical to the recorded argv; the VM recordings were made by",
            "kupgrade itself (KLDLOAD_RECORD) with the same argv, which the builder checks.",
            ""]
    for i, argv, source, files, text in plan:
        d = os.path.join(out, "commands", f"{i:03d}")
        os.makedirs(d)
        with open(os.path.join(d, "argv"), "w") as f:
            f.write("\n".join(argv) + "\n")
        for ext, src in (files or {}).items():
            shutil.copyfile(src, os.path.join(d, ext))
        sums = ", ".join(f"{ext} {sha256(src)[:16]}…" for ext, src in sorted((files or {}).items()))
        if isinstance(source, tuple) and source[0] == "rec":
            text = f"verbatim copy of {text}/{{{','.join(sorted(files))}}} (recorded with the same argv)"
        prov.append(f"- `commands/{i:03d}` `{' '.join(argv)}`: {text}" + (f" [{sums}]" if sums else ""))
    prov += ["", "## Files under root/", ""]
    for path, src, text in roots:
        dst = os.path.join(out, "root", path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if src and src.startswith("->"):
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
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("-")] or list(SCENARIOS)
    ok = all([SCENARIOS[n].get("builder", build)(n, SCENARIOS[n], check) for n in names])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
