#!/usr/bin/env python3
"""Adds the paired-datasets query to scenarios recorded before kbe had paired datasets.

Since paired datasets (Docs/KBE.md, "Paired datasets"), every checkpoint first asks
`zfs get -Hp -r -s local -t filesystem,volume org.kldload:paired POOL` which datasets travel with
the boot environments. The scenarios below were recorded before; on their machines no dataset had
that property, and OpenZFS answers such a query with empty output and exit status 0 (captured on
OpenZFS 2.3.9: Fixtures/scenarios/kbe-paired-debian13, recording rec-list-before, commands/003).

For each scenario the recording is inserted right before its `zfs snapshot` recording NNN, as the
directory `str(int(NNN) - 1)` without leading zeros: that sorts after NNN-1 and before NNN
(Docs/REPLAY.md, "numeric value, then by name"), so the existing recordings keep their numbers and
their PROVENANCE.md references stay true. Its files copy the neighbour's shape (an `env` and a
`status` file only where the recorder of that scenario wrote them). Idempotent.

    Tests/scenario-builder/add-paired-query.py Fixtures/scenarios

The kbe scenarios in APPEND are answered by argv alone, so there the query is appended as the
next number.
"""
import os
import sys

SCENARIOS = [
    "kbe-move-pkgdb-debian13", "kupgrade-arch-holdback", "kupgrade-debian12-apt-pkgdb-in-be",
    "kupgrade-debian12-apt", "kupgrade-debian12-dkms-transaction-failed",
    "kupgrade-debian12-new-kernel-zfs-dkms-fails", "kupgrade-fedora-zfs-dkms", "kupgrade-rocky9-kmod-zfs",
    "kupgrade-secureboot-unsigned-ko-xz", "kupgrade-ubuntu2404-builtin-zfs", "kupgrade-debian13-apt",
    "kupgrade-debian13-metrics", "kbe-checkpoint-metrics-debian13",
]
# kbe scenarios whose recordings are answered by argv alone (no order is checked): the query is
# appended as the next number.
APPEND = ["kbe-diff-dpkg", "kbe-openzfs-2.1-bes", "kbe-openzfs-2.1-bootfs-test2", "kbe-openzfs-2.1-mounted",
          "kbe-openzfs-2.1-promoted", "kbe-trial-armed"]
APPEND_NOTE = """
## Added after the capture: the paired-datasets query

`commands/{name}` (`zfs get -Hp -r -s local -t filesystem,volume org.kldload:paired {pool}`, empty
stdout, exit 0) was added by `Tests/scenario-builder/add-paired-query.py` when kbe learned paired
datasets: `kbe list --json`, every checkpoint, rollback, activation and destruction of a
checkpoint now ask which datasets travel with the boot environments, and this capture predates
that query. The answer is what OpenZFS prints when no dataset has the property set locally, as on
this machine (captured on OpenZFS 2.3.9 in the Debian 13 VM: `Fixtures/scenarios/kbe-paired-debian13`,
recording `rec-list-before`, `commands/003`). Every other file is unchanged.
"""
NOTE = """
## Added after the recording: the paired-datasets query

`commands/{name}` (`zfs get -Hp -r -s local -t filesystem,volume org.kldload:paired {pool}`, empty
stdout, exit 0) was inserted by `Tests/scenario-builder/add-paired-query.py` when kbe learned
paired datasets: every checkpoint now asks which datasets to snapshot with the BE, and this run
was recorded before that query existed. The answer is what OpenZFS prints when no dataset has the
property set locally, as on this machine (captured on OpenZFS 2.3.9 in the Debian 13 VM:
`Fixtures/scenarios/kbe-paired-debian13`, recording `rec-list-before`, `commands/003`). The
directory name `{name}` (no leading zeros) sorts right before `commands/{snap}` (Docs/REPLAY.md),
so every other recording keeps its number.
"""


def argv(d):
    with open(os.path.join(d, "argv")) as f:
        return f.read().split("\n")


def main(root):
    for s in SCENARIOS:
        cdir = os.path.join(root, s, "commands")
        names = sorted(os.listdir(cdir), key=lambda n: (int(n), n))
        snap = next(n for n in names if argv(os.path.join(cdir, n))[:2] == ["zfs", "snapshot"])
        listing = argv(os.path.join(cdir, names[names.index(snap) - 1]))
        pool = listing[-2 if listing[-1] == "" else -1].split("/")[0]
        query = ["zfs", "get", "-Hp", "-r", "-s", "local", "-t", "filesystem,volume", "org.kldload:paired", pool]
        name = str(int(snap) - 1)
        new = os.path.join(cdir, name)
        if os.path.isdir(new):
            continue
        neighbour = os.path.join(cdir, snap)
        os.makedirs(new)
        with open(os.path.join(new, "argv"), "w") as f:
            f.write("\n".join(query) + "\n")
        open(os.path.join(new, "stdout"), "w").close()
        if os.path.exists(os.path.join(neighbour, "status")):
            with open(os.path.join(new, "status"), "w") as f:
                f.write("0\n")
        if os.path.exists(os.path.join(neighbour, "env")):
            with open(os.path.join(new, "env"), "w") as f:
                f.write("LC_ALL=C\n")
        with open(os.path.join(root, s, "PROVENANCE.md"), "a") as f:
            f.write(NOTE.format(name=name, pool=pool, snap=snap))
        print(f"{s}: commands/{name} before commands/{snap}")

    for s in APPEND:
        cdir = os.path.join(root, s, "commands")
        names = sorted(os.listdir(cdir), key=lambda n: (int(n), n))
        if any(argv(os.path.join(cdir, n))[8:9] == ["org.kldload:paired"] for n in names):
            continue
        name = "%03d" % (int(names[-1]) + 1)
        query = ["zfs", "get", "-Hp", "-r", "-s", "local", "-t", "filesystem,volume", "org.kldload:paired", "rpool"]
        new = os.path.join(cdir, name)
        os.makedirs(new)
        with open(os.path.join(new, "argv"), "w") as f:
            f.write("\n".join(query) + "\n")
        open(os.path.join(new, "stdout"), "w").close()
        with open(os.path.join(root, s, "PROVENANCE.md"), "a") as f:
            f.write(APPEND_NOTE.format(name=name, pool="rpool"))
        print(f"{s}: commands/{name} appended")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/scenarios")
