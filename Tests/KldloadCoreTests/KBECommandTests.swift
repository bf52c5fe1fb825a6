import Foundation
import Testing
@testable import KldloadCore

@Suite struct KBECreateTests {
    @Test func checkpointOfTheRunningBE() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["create", "before-nginx"], context)
        #expect(r.exitCode == 0)
        #expect(r.stdout == "[kbe] Snapshot created: rpool/ROOT/default@before-nginx\n")
        #expect(runner.mutations == [["zfs", "snapshot", "rpool/ROOT/default@before-nginx"]])
    }

    @Test func checkpointTakesSplitPackageDatabaseAtomically() {
        let (runner, context) = KBEWorld.make(split: true)
        let r = KBEWorld.run(["create", "x", "-d", "before nginx"], context)
        #expect(r.exitCode == 0)
        #expect(
            runner.mutations == [
                [
                    "zfs", "snapshot", "-o", "org.kldload:description=before nginx", "rpool/ROOT/default@x",
                    "rpool/var/lib@x",
                ]
            ])
        #expect(r.stdout.contains("[kbe] Package database dataset rpool/var/lib snapshotted with it: rpool/var/lib@x"))
    }

    @Test func childDatasetsAreInTheSameCall() {
        let listing = KBEWorld.listing
            + KBEWorld.row(
                "rpool/ROOT/default/var", "filesystem", "10", "0", "10", "9000000", "/var", "on", "yes", "-", "-",
                "1763806500", "-")
        let (runner, context) = KBEWorld.make(listing: listing)
        #expect(KBEWorld.run(["create", "y"], context).exitCode == 0)
        #expect(runner.mutations == [["zfs", "snapshot", "rpool/ROOT/default@y", "rpool/ROOT/default/var@y"]])
    }

    @Test(arguments: [
        ("a@b", "'@'"), ("a/b", "'/'"), ("a%b", "'%'"), ("-x", "'-'"), ("a b", "whitespace"), ("a;b", "shell metacharacter"),
        ("", "empty"), ("..", "'..'"), (String(repeating: "x", count: 300), "bytes long"), ("a$(id)", "shell metacharacter"),
    ])
    func invalidNamesAreRefusedBeforeAnythingRuns(name: String, rule: String) {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["create", "--", name], context)
        #expect(r.exitCode == 2)
        #expect(r.stderr.hasPrefix("kbe: error: invalid checkpoint name"))
        #expect(r.stderr.contains(rule), "\(r.stderr)")
        #expect(runner.argvs.isEmpty)
    }

    @Test func existingNameIsRefusedAndUniquifiedOnRequest() throws {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["create", "install"], context)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("rpool/ROOT/default@install already exists"))
        #expect(runner.mutations.isEmpty)
        let out = try BootEnvironmentManager(context: context).createCheckpoint(
            named: "install", properties: [("org.kldload:command", "kupgrade")], uniquify: true)
        #expect(out.report.target == "rpool/ROOT/default@install-2")
        #expect(runner.mutations.last == ["zfs", "snapshot", "-o", "org.kldload:command=kupgrade", "rpool/ROOT/default@install-2"])
    }

    @Test func newBootEnvironmentFromTheRunningBE() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["create", "--be", "nginx-test", "-d", "try nginx"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            runner.mutations == [
                ["zfs", "snapshot", "rpool/ROOT/default@kbe-nginx-test"],
                [
                    "zfs", "clone", "-o", "canmount=noauto", "-o", "mountpoint=/", "-o",
                    "org.zfsbootmenu:commandline=quiet splash", "-o", "org.kldload:description=try nginx",
                    "rpool/ROOT/default@kbe-nginx-test", "rpool/ROOT/nginx-test",
                ],
            ])
        #expect(r.stdout.contains("[kbe] Boot environment created: rpool/ROOT/nginx-test (from rpool/ROOT/default@kbe-nginx-test)"))
    }

    @Test func newBootEnvironmentFromACheckpointAndSplitRefusal() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["create", "--be", "old", "-e", "default@install"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.count == 1)
        #expect(runner.mutations.first?.suffix(2) == ["rpool/ROOT/default@install", "rpool/ROOT/old"])

        let (r2, c2) = KBEWorld.make(split: true)
        let refused = KBEWorld.run(["create", "--be", "old", "-e", "default@install"], c2)
        #expect(refused.exitCode == 3)
        #expect(refused.stderr.contains("rpool/var/lib"))
        #expect(r2.mutations.isEmpty)
    }

    @Test func existingBEIsRefused() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["create", "--be", "test"], context)
        #expect(r.exitCode == 2)
        #expect(runner.mutations.isEmpty)
    }
}

@Suite struct KBEActivateTests {
    @Test func activatingABESetsBootfs() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["activate", "test"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations == [["zpool", "set", "bootfs=rpool/ROOT/test", "rpool"]])
        #expect(r.stdout == "[kbe] Next boot will use: rpool/ROOT/test\n")
    }

    @Test func activatingTheCurrentBootfsChangesNothing() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["activate", "rpool/ROOT/default"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.isEmpty)
        #expect(r.stdout.contains("already the boot environment for the next boot"))
    }

    @Test func activatingACheckpointClonesItAndBootsTheClone() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["activate", "before-nginx-rewrite"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            runner.mutations == [
                [
                    "zfs", "clone", "-o", "canmount=noauto", "-o", "mountpoint=/", "-o",
                    "org.zfsbootmenu:commandline=quiet splash", "-o",
                    "org.kldload:description=activated from rpool/ROOT/default@before-nginx-rewrite",
                    "rpool/ROOT/default@before-nginx-rewrite", "rpool/ROOT/before-nginx-rewrite",
                ],
                ["zpool", "set", "bootfs=rpool/ROOT/before-nginx-rewrite", "rpool"],
            ])
        #expect(r.stdout.hasSuffix("[kbe] Next boot will use: rpool/ROOT/before-nginx-rewrite\n"))
    }

    @Test func derivedNameIsUniquifiedAndKernelIsReported() {
        let listing = KBEWorld.listing
            + KBEWorld.row(
                "rpool/ROOT/install", "filesystem", "1", "0", "1", "9000000", "/", "noauto", "no", "-", "-", "1763806500",
                "-")
        let (runner, context) = KBEWorld.make(
            listing: listing,
            files: [
                "/.zfs/snapshot/install/boot/vmlinuz-6.1.0-9-amd64": "k", "/.zfs/snapshot/install/boot/vmlinuz-6.1.0-18-amd64": "k",
                "/.zfs/snapshot/install/boot/initrd.img-6.1.0-18-amd64": "i",
            ])
        let r = KBEWorld.run(["activate", "rpool/ROOT/default@install"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.last == ["zpool", "set", "bootfs=rpool/ROOT/install-2", "rpool"])
        #expect(r.stdout.hasSuffix("[kbe] Next boot will use: rpool/ROOT/install-2 (newest kernel: 6.1.0-18-amd64)\n"))
    }

    @Test func splitPackageDatabaseRefusesCheckpointActivation() {
        let (runner, context) = KBEWorld.make(split: true)
        let r = KBEWorld.run(["activate", "install"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("the package database lives on rpool/var/lib"))
        #expect(r.stderr.contains("kbe rollback rpool/ROOT/default@install"))
        #expect(r.stderr.contains("--allow-split-pkgdb"))
        #expect(runner.mutations.isEmpty)
        let forced = KBEWorld.run(["activate", "install", "--allow-split-pkgdb"], context)
        #expect(forced.exitCode == 0)
        #expect(forced.stderr.contains("warning: --allow-split-pkgdb"))
        #expect(runner.mutations.count == 2)
    }

    @Test func bootOutsideTheBEIsWarned() {
        let mounts = KBEWorld.mounts + "/dev/vda1 /boot ext4 rw 0 0\n"
        let (_, context) = KBEWorld.make(mounts: mounts)
        let r = KBEWorld.run(["activate", "test"], context)
        #expect(r.exitCode == 0)
        #expect(r.stderr.contains("/boot is on /dev/vda1 (ext4), not inside the boot environment"))
    }

    @Test func unknownTargetIsNotFound() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["activate", "nosuch"], context)
        #expect(r.exitCode == 4)
        #expect(r.stderr.contains("hint: kbe list -s"))
        #expect(runner.mutations.isEmpty)
    }
}
