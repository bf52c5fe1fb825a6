import Foundation
import Testing
@testable import KldloadCore

/// Records the prompts it was shown and answers with a fixed line.
final class KBEPromptRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []
    let answer: String?
    init(answer: String?) { self.answer = answer }
    var prompts: [String] { lock.withLock { seen } }
    var ask: @Sendable (String) -> String? {
        { prompt in
            self.lock.withLock { self.seen.append(prompt) }
            return self.answer
        }
    }
}

@Suite struct KBERollbackTests {
    @Test func refusedWithoutTerminalAndWithoutYes() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["rollback", "before-nginx-rewrite"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("needs confirmation, but there is no terminal"))
        #expect(r.stderr.contains("hint: run it on a terminal, or pass --yes"))
        #expect(runner.mutations.isEmpty)
    }

    @Test func newerCheckpointWithClonesIsNamedAndRefused() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["rollback", "--yes", "default@install"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("rpool/ROOT/default@pre-upgrade-20261122-101500 (clones: rpool/ROOT/test)"))
        #expect(runner.mutations.isEmpty)
    }

    @Test func withYesRollsBackAndExplainsTheRunningBE() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["rollback", "-y", "rpool/ROOT/default@pre-upgrade-20261122-101500"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(runner.mutations == [["zfs", "rollback", "-r", "rpool/ROOT/default@pre-upgrade-20261122-101500"]])
        #expect(r.stderr.contains("  rpool/ROOT/default@before-nginx-rewrite"))
        #expect(r.stderr.contains("processes keep the old (now deleted) files mapped"))
        #expect(r.stderr.contains("Non-destructive alternative: kbe activate rpool/ROOT/default@pre-upgrade-20261122-101500 && reboot"))
        #expect(r.stdout.contains("[kbe] Reboot now"))
    }

    @Test func terminalConfirmationNeedsTheBENameOrYes() {
        let (runner, context) = KBEWorld.make(interactive: true)
        let no = KBEPromptRecorder(answer: "y")
        let refused = KBEWorld.run(["rollback", "before-nginx-rewrite"], context, ask: no.ask)
        #expect(refused.exitCode == 3)
        #expect(refused.stderr.contains("not confirmed\nhint: nothing was changed"))
        #expect(no.prompts.count == 1)
        #expect(no.prompts.first?.contains("Type 'default' (or 'yes') to continue") == true)
        #expect(runner.mutations.isEmpty)

        let yes = KBEPromptRecorder(answer: "default")
        let done = KBEWorld.run(["rollback", "before-nginx-rewrite"], context, ask: yes.ask)
        #expect(done.exitCode == 0)
        #expect(runner.mutations == [["zfs", "rollback", "-r", "rpool/ROOT/default@before-nginx-rewrite"]])
        #expect(yes.prompts.first?.contains("No newer checkpoints exist.") == true)
    }

    @Test func splitPackageDatabaseIsRolledBackTogether() {
        let (runner, context) = KBEWorld.make(split: true, interactive: true)
        let yes = KBEPromptRecorder(answer: "yes")
        let r = KBEWorld.run(["rollback", "pre-upgrade-20261122-101500"], context, ask: yes.ask)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(runner.argvs.contains(KBEWorld.pkgListArgv))
        #expect(
            runner.mutations == [
                ["zfs", "rollback", "-r", "rpool/ROOT/default@pre-upgrade-20261122-101500"],
                ["zfs", "rollback", "-r", "rpool/var/lib@pre-upgrade-20261122-101500"],
            ])
        #expect(yes.prompts.first?.contains("The package database dataset rpool/var/lib is rolled back with it") == true)
        // kbe refuses `activate` of a checkpoint on this layout, so it must not offer it.
        #expect(yes.prompts.first?.contains("Non-destructive alternative") == false)
        #expect(!r.stderr.contains("kbe activate"))
    }

    @Test func splitPackageDatabaseWithoutMatchingSnapshotIsRefused() {
        let (runner, context) = KBEWorld.make(split: true)
        let r = KBEWorld.run(["rollback", "--yes", "before-nginx-rewrite"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("rpool/var/lib, which has no snapshot @before-nginx-rewrite"))
        #expect(runner.mutations.isEmpty)
        let forced = KBEWorld.run(["rollback", "--yes", "--allow-split-pkgdb", "before-nginx-rewrite"], context)
        #expect(forced.exitCode == 0)
        #expect(runner.mutations == [["zfs", "rollback", "-r", "rpool/ROOT/default@before-nginx-rewrite"]])
    }

    @Test func aBEIsNotACheckpoint() {
        let (_, context) = KBEWorld.make()
        #expect(KBEWorld.run(["rollback", "--yes", "test"], context).exitCode == 2)
    }

    @Test func dryRunPrintsThePlanAndNeedsNoConfirmation() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["rollback", "-n", "before-nginx-rewrite"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.isEmpty)
        #expect(
            r.stdout
                == "[kbe] dry run: nothing was changed; the plan is:\n  zfs rollback -r rpool/ROOT/default@before-nginx-rewrite\n")
    }
}

@Suite struct KBEDestroyTests {
    @Test func refusesRunningAndBootfsBEs() {
        let (runner, context) = KBEWorld.make(bootfs: "rpool/ROOT/test")
        let running = KBEWorld.run(["destroy", "--yes", "default"], context)
        #expect(running.exitCode == 3)
        #expect(running.stderr.contains("is the running boot environment"))
        let next = KBEWorld.run(["delete", "--yes", "test"], context)
        #expect(next.exitCode == 3)
        #expect(next.stderr.contains("is the pool's bootfs"))
        #expect(runner.mutations.isEmpty)
    }

    @Test func checkpointWithClonesNamesThem() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["destroy", "--yes", "pre-upgrade-20261122-101500"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("has dependent clones: rpool/ROOT/test"))
        #expect(runner.mutations.isEmpty)
    }

    @Test func rangesAreNeverAccepted() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["destroy", "--yes", "default@install%before-nginx-rewrite"], context)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("does not accept snapshot ranges"))
        #expect(runner.argvs.isEmpty)
    }

    /// `test` was cloned from a checkpoint of `default` (kupgrade's pre-upgrade one): that is
    /// default's checkpoint, not test's, and is kept.
    @Test func destroysBEButKeepsAnotherBEsCheckpointItCameFrom() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["destroy", "--yes", "test"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(runner.mutations == [["zfs", "destroy", "-r", "rpool/ROOT/test"]])
        #expect(
            r.stderr.contains(
                "[kbe] origin rpool/ROOT/default@pre-upgrade-20261122-101500 is kept: it is a checkpoint of default"))
        #expect(!r.stdout.contains("Destroyed: rpool/ROOT/default@pre-upgrade-20261122-101500"))
    }

    /// The snapshot `kbe create --be new` took to make `new` goes with it, unless -o.
    @Test func destroysTheOriginKbeMadeForTheBEUnlessKept() {
        let listing = KBEWorld.listing
            + KBEWorld.row(
                "rpool/ROOT/default@kbe-new", "snapshot", "10", "-", "1150", "-", "-", "-", "-", "-", "rpool/ROOT/new",
                "1763806950", "-")
            + KBEWorld.row(
                "rpool/ROOT/new", "filesystem", "10", "0", "1150", "9000000", "/", "noauto", "no",
                "rpool/ROOT/default@kbe-new", "-", "1763806960", "-")
        let (runner, context) = KBEWorld.make(listing: listing)
        let r = KBEWorld.run(["destroy", "--yes", "new"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            runner.mutations == [
                ["zfs", "destroy", "-r", "rpool/ROOT/new"], ["zfs", "destroy", "-r", "rpool/ROOT/default@kbe-new"],
            ])
        #expect(r.stdout.contains("[kbe] Destroyed: rpool/ROOT/default@kbe-new"))
        let (runner2, context2) = KBEWorld.make(listing: listing)
        #expect(KBEWorld.run(["destroy", "--yes", "-o", "new"], context2).exitCode == 0)
        #expect(runner2.mutations == [["zfs", "destroy", "-r", "rpool/ROOT/new"]])
    }

    @Test func cloneSnapshotNamesAreRecognisedExactly() {
        #expect(BootEnvironmentManager.isCloneSnapshot("kbe-new", of: "new"))
        #expect(BootEnvironmentManager.isCloneSnapshot("kbe-new-3", of: "new"))
        #expect(!BootEnvironmentManager.isCloneSnapshot("kbe-newer", of: "new"))
        #expect(!BootEnvironmentManager.isCloneSnapshot("kbe-new-", of: "new"))
        #expect(!BootEnvironmentManager.isCloneSnapshot("kbe-new-x", of: "new"))
        #expect(!BootEnvironmentManager.isCloneSnapshot("pre-upgrade-20261122-101500", of: "new"))
    }

    /// After `zfs promote rpool/ROOT/test2` (real listing from the VM) the checkpoint
    /// `pre-upgrade-…` belongs to test2, and default is its clone. Booted into test2, destroying
    /// default must not take test2's checkpoint as default's "origin".
    @Test func destroyAfterPromoteKeepsThePromotedBEsCheckpoint() throws {
        let listing = try Fixtures.text("zfs-2.1/openzfs-2.1.11-debian12/bes/zfs-list-Hp-be-after-promote.stdout")
        let (runner, context) = KBEWorld.make(
            listing: listing, bootfs: "rpool/ROOT/test2",
            mounts: "rpool/ROOT/test2 / zfs rw,relatime,xattr,noacl 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n")
        let r = KBEWorld.run(["destroy", "--yes", "default"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(runner.mutations == [["zfs", "destroy", "-r", "rpool/ROOT/default"]])
        #expect(r.stderr.contains("origin rpool/ROOT/test2@pre-upgrade-20261122-101500 is kept: it is a checkpoint of test2"))
    }

    @Test func destroysACheckpointWithItsPackageDatabaseTwin() {
        let (runner, context) = KBEWorld.make(split: true)
        let r = KBEWorld.run(["destroy", "--yes", "rpool/ROOT/default@install"], context)
        #expect(r.exitCode == 0)
        #expect(
            runner.mutations == [["zfs", "destroy", "rpool/ROOT/default@install"], ["zfs", "destroy", "rpool/var/lib@install"]])
    }

    @Test func needsConfirmation() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["destroy", "test@t1"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("  rpool/ROOT/test@t1"))
        #expect(runner.mutations.isEmpty)
    }
}

@Suite struct KBEOtherCommandTests {
    @Test func renameFollowsBootfsAndRefusesTheRunningBE() {
        let (runner, context) = KBEWorld.make(bootfs: "rpool/ROOT/test")
        let r = KBEWorld.run(["rename", "test", "test2"], context)
        #expect(r.exitCode == 0)
        #expect(
            runner.mutations == [
                ["zfs", "rename", "rpool/ROOT/test", "rpool/ROOT/test2"], ["zpool", "set", "bootfs=rpool/ROOT/test2", "rpool"],
            ])
        let running = KBEWorld.run(["rename", "default", "other"], context)
        #expect(running.exitCode == 3)
        #expect(KBEWorld.run(["rename", "test", "bad name"], context).exitCode == 2)
        #expect(KBEWorld.run(["rename", "test", "default"], context).exitCode == 2)
    }

    @Test func mountUsesZfsutilUnderRunKbe() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["mount", "test", "-r"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations == [["mount", "-t", "zfs", "-o", "zfsutil,ro", "rpool/ROOT/test", "/run/kbe/test"]])
        #expect(context.files.isDirectory("/run/kbe/test"))
        #expect(r.stdout == "[kbe] Mounted rpool/ROOT/test at /run/kbe/test (read-only)\n")
        #expect(KBEWorld.run(["mount", "default"], context).exitCode == 3)
        #expect(KBEWorld.run(["mount", "test", "relative/dir"], context).exitCode == 2)
    }

    /// A mount over the running system is refused before anything runs: `/`, system
    /// directories, anything under /usr or /etc, a mountpoint of the running system or a parent
    /// of one, and `..` (which hid `/tmp/../etc`). Repeated slashes and `.` are normalized.
    @Test func mountRefusesTheRunningSystemsDirectories() {
        let (runner, context) = KBEWorld.make()
        for dir in ["/", "/usr", "/usr/local", "/etc", "/boot/efi", "/var", "/var/lib", "/home", "/tmp", "/run", "//usr/"] {
            let r = KBEWorld.run(["mount", "test", dir], context)
            #expect(r.exitCode == 3, "\(dir)")
            #expect(r.stderr.contains("kbe: error: kbe does not mount a boot environment on"), "\(dir)")
            #expect(r.stderr.contains("hint: use an empty directory such as /mnt/NAME"), "\(dir)")
        }
        let dots = KBEWorld.run(["mount", "test", "/tmp/../etc"], context)
        #expect(dots.exitCode == 2)
        #expect(dots.stderr.contains("mount directory '/tmp/../etc' contains '..'"))
        // /var/lib and /home are mountpoints in KBEWorld.mounts: the reason names them.
        #expect(KBEWorld.run(["mount", "test", "/var/lib"], context).stderr.contains("is in /var"))
        let hides = KBEWorld.run(["mount", "-n", "test", "/srv/x"], context)
        #expect(hides.exitCode == 0)
        #expect(runner.mutations.isEmpty)
        let (runner2, context2) = KBEWorld.make(
            mounts: KBEWorld.mounts + "data/srv /srv/data zfs rw 0 0\n")
        let parent = KBEWorld.run(["mount", "test", "/srv"], context2)
        #expect(parent.exitCode == 3)
        #expect(KBEWorld.run(["mount", "test", "/srv/data/"], context2).stderr.contains("data/srv is mounted there"))
        #expect(runner2.mutations.isEmpty)
        let (runner3, context3) = KBEWorld.make()
        let ok = KBEWorld.run(["mount", "test", "/mnt//be/./"], context3)
        #expect(ok.exitCode == 0, "\(ok.stderr)")
        #expect(runner3.mutations == [["mount", "-t", "zfs", "-o", "zfsutil", "rpool/ROOT/test", "/mnt/be"]])
    }

    @Test func mountRefusesASymbolicLinkOnTheWay() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kbe-mount-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("mnt"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("mnt/etc").path, withDestinationPath: "/etc")
        let files = RootedFileSystem(root: root.path)
        #expect(throws: KBEError.self) {
            try BootEnvironmentManager.mountDirectory("/mnt/etc/x", mounts: MountTable(entries: []), files: files)
        }
        #expect(try BootEnvironmentManager.mountDirectory("/mnt/be", mounts: MountTable(entries: []), files: files) == "/mnt/be")
    }

    @Test func umountMountedAndNotMounted() {
        let mounts = KBEWorld.mounts + "rpool/ROOT/test /run/kbe/test zfs rw,zfsutil 0 0\n"
        let (runner, context) = KBEWorld.make(mounts: mounts)
        let r = KBEWorld.run(["umount", "test"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations == [["umount", "/run/kbe/test"]])
        let (_, c2) = KBEWorld.make()
        #expect(KBEWorld.run(["umount", "test"], c2).exitCode == 4)
        #expect(KBEWorld.run(["unmount", "default"], c2).exitCode == 3)
    }

    @Test func describeSetsAndClears() {
        let (runner, context) = KBEWorld.make()
        #expect(KBEWorld.run(["describe", "test", "nginx trial"], context).exitCode == 0)
        #expect(KBEWorld.run(["describe", "default@install", ""], context).exitCode == 0)
        #expect(
            runner.mutations == [
                ["zfs", "set", "org.kldload:description=nginx trial", "rpool/ROOT/test"],
                ["zfs", "inherit", "org.kldload:description", "rpool/ROOT/default@install"],
            ])
        #expect(KBEWorld.run(["describe", "test", "two\nlines"], context).exitCode == 2)
    }

    @Test func failureMidwayReportsWhatWasDoneAndHowToUndo() {
        let (runner, context) = KBEWorld.make()
        runner.on(
            ["zpool", "set", "bootfs=rpool/ROOT/before-nginx-rewrite", "rpool"], stderr: "cannot set property for 'rpool': permission denied\n",
            status: 1)
        let r = KBEWorld.run(["activate", "before-nginx-rewrite"], context)
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("step 2 of 2 failed: zpool set bootfs=rpool/ROOT/before-nginx-rewrite rpool"))
        #expect(r.stderr.contains("permission denied"))
        #expect(r.stderr.contains("done:\n    zfs clone"))
        #expect(r.stderr.contains("to undo what was done:\n    zfs destroy -r rpool/ROOT/before-nginx-rewrite"))
    }

    @Test func jsonOnErrorsAndDryRun() throws {
        let (_, context) = KBEWorld.make()
        let r = KBEWorld.run(["destroy", "--json", "--yes", "default"], context)
        #expect(r.exitCode == 3)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["version"] as? Int == 1)
        #expect((obj?["error"] as? [String: Any])?["exitCode"] as? Int == 3)
        let d = KBEWorld.run(["create", "-n", "--json", "x"], context)
        let dobj = try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)) as? [String: Any]
        #expect(dobj?["dryRun"] as? Bool == true)
        #expect(dobj?["plan"] as? [[String]] == [["zfs", "snapshot", "rpool/ROOT/default@x"]])
        #expect(dobj?["executed"] as? Bool == false)
    }
}

@Suite struct KBECommandLineTests {
    @Test func parsesCommandsAndOptionsAnywhere() throws {
        let a = try KBEInvocation.parse(["--pool", "rpool", "-n", "create", "--be", "x", "-e", "default@install", "-d", "t"])
        #expect(a.action == .createEnvironment(name: "x", source: "default@install", description: "t"))
        #expect(a.options.pool == "rpool" && a.options.dryRun)
        let b = try KBEInvocation.parse(["delete", "x", "-o", "--yes"])
        #expect(b.action == .destroy("x", keepOrigin: true))
        #expect(b.options.assumeYes)
        #expect(try KBEInvocation.parse(["--replay", "/tmp/s", "ls"]).replay == "/tmp/s")
        #expect(try KBEInvocation.parse(["rollback", "--help"]).action == .help("rollback"))
        #expect(try KBEInvocation.parse(["--version"]).action == .version)
    }

    @Test func usageErrorsExit2WithHint() {
        let (_, context) = KBEWorld.make()
        for argv in [["frob"], ["create"], ["rename", "a"], ["list", "--bogus"], ["activate", "-s", "x"], []] {
            let r = KBEWorld.run(argv, context)
            #expect(r.exitCode == 2, "\(argv)")
            #expect(r.stderr.hasPrefix("kbe: error: "))
            #expect(r.stderr.contains("\nhint: "))
        }
    }

    @Test func helpAndVersion() {
        let (_, context) = KBEWorld.make()
        #expect(KBEWorld.run(["--version"], context).stdout == "kbe 0.1.0\n")
        let help = KBEWorld.run(["--help"], context)
        #expect(help.exitCode == 0)
        for name in ["list", "create", "activate", "rollback", "destroy", "rename", "mount", "umount", "describe"] {
            #expect(help.stdout.contains("  \(name) "), "\(name)")
            let sub = KBEWorld.run([name, "--help"], context)
            #expect(sub.stdout.hasPrefix("usage: kbe \(name)"))
        }
        #expect(help.stdout.contains("3 refused for safety; 4 not found"))
    }
}

@Suite struct KBEPackageDatabaseGuardTests {
    @Test func insideTheBEIsNotSplit() {
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kbe-tests-have-no-host-root"))
        try? fs.createDirectory("/var/lib/rpm")
        let mounts = (try? MountTable.parse("rpool/ROOT/default / zfs rw 0 0\nrpool/home /home zfs rw 0 0\n")) ?? MountTable(entries: [])
        let s = PackageDatabaseGuard.inspect(files: fs, mounts: mounts, beRoot: "rpool/ROOT", altroot: "")
        #expect(s.paths == ["/var/lib/rpm"])
        #expect(s.splitDataset == nil)
        #expect(s.bootOutsideBE == nil)
    }

    @Test func rescueUnderAltrootFindsTheSplitDatasetAndStaysQuietAboutBoot() {
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kbe-tests-have-no-host-root"))
        try? fs.createDirectory("/mnt/var/lib/pacman")
        let mounts =
            (try? MountTable.parse("tmpfs / tmpfs rw 0 0\nrpool/var/lib /mnt/var/lib zfs rw 0 0\n")) ?? MountTable(entries: [])
        let s = PackageDatabaseGuard.inspect(files: fs, mounts: mounts, beRoot: "rpool/ROOT", altroot: "/mnt")
        #expect(s.paths == ["/var/lib/pacman"])
        #expect(s.splitDataset == "rpool/var/lib")
        #expect(s.bootOutsideBE == nil)
    }

    @Test func nonZFSPackageDatabaseAndSeparateBootPoolAreReported() {
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kbe-tests-have-no-host-root"))
        try? fs.createDirectory("/var/lib/dpkg")
        let mounts =
            (try? MountTable.parse(
                "rpool/ROOT/default / zfs rw 0 0\n/dev/vdb1 /var/lib ext4 rw 0 0\nbpool/BOOT/default /boot zfs rw 0 0\n"))
            ?? MountTable(entries: [])
        let s = PackageDatabaseGuard.inspect(files: fs, mounts: mounts, beRoot: "rpool/ROOT", altroot: "")
        #expect(s.splitDataset == nil)
        #expect(s.unsnapshottable == ["/var/lib/dpkg on /dev/vdb1 (ext4 at /var/lib)"])
        #expect(s.bootOutsideBE == "bpool/BOOT/default")
    }
}

@Suite struct KBEErrorTextTests {
    @Test func everyErrorEndsWithAHint() {
        let (_, context) = KBEWorld.make(interactive: true)
        let no = KBEPromptRecorder(answer: nil)
        let r = KBEWorld.run(["destroy", "test@t1"], context, ask: no.ask)
        #expect(r.exitCode == 3)
        #expect(r.stderr == "kbe: error: not confirmed\nhint: nothing was changed\n")
        for kind in [KBEError.Kind.commandFailed, .usage, .refused, .notFound] {
            #expect(KBEError(kind, "x").description.contains("\nhint: "))
        }
        #expect(KBEError(.usage, "x").exitCode == 2)
        #expect(KBEError(.commandFailed, "x").exitCode == 1)
        #expect(KBEError(.notFound, "x").exitCode == 4)
    }

    @Test func versionAsJSON() throws {
        let (_, context) = KBEWorld.make()
        let r = KBEWorld.run(["--version", "--json"], context)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["version"] as? Int == 1)
        #expect(obj?["kbeVersion"] as? String == KldloadVersion.current)
    }
}

/// Fedora 36+ keeps the rpm database in /usr (`/var/lib/rpm -> ../../usr/lib/sysimage/rpm`):
/// with `/var/lib` on its own dataset, the database is still inside the BE.
@Suite struct KBEPackageDatabaseLinkTests {
    private func fedoraTree(link: String) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-pkgdb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/usr/lib/sysimage/rpm", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/var/lib", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/var/lib/rpm", withDestinationPath: link)
        return root
    }

    private let mounts = (try? MountTable.parse("rpool/ROOT/default / zfs rw 0 0\nrpool/var/lib /var/lib zfs rw 0 0\n"))
        ?? MountTable(entries: [])

    @Test(arguments: ["../../usr/lib/sysimage/rpm", "/usr/lib/sysimage/rpm"])
    func rpmLinkIntoUsrIsInsideTheBE(link: String) throws {
        let root = try fedoraTree(link: link)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = PackageDatabaseGuard.inspect(files: RootedFileSystem(root: root), mounts: mounts, beRoot: "rpool/ROOT", altroot: "")
        #expect(s.paths == ["/var/lib/rpm"])
        #expect(s.splitDataset == nil)
    }

    @Test func realDirectoryOnTheSplitDatasetIsStillSplit() throws {
        let root = try fedoraTree(link: "../../usr/lib/sysimage/rpm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: root + "/var/lib/rpm")
        try FileManager.default.removeItem(atPath: root + "/usr/lib/sysimage/rpm")
        try FileManager.default.createDirectory(atPath: root + "/var/lib/rpm", withIntermediateDirectories: true)
        let s = PackageDatabaseGuard.inspect(files: RootedFileSystem(root: root), mounts: mounts, beRoot: "rpool/ROOT", altroot: "")
        #expect(s.paths == ["/var/lib/rpm"])
        #expect(s.splitDataset == "rpool/var/lib")
    }

    @Test func dotsAndSlashesResolveAsText() {
        #expect(FilePath.resolvingDots("/var/lib/../../usr/./lib//sysimage/rpm") == "/usr/lib/sysimage/rpm")
        #expect(FilePath.resolvingDots("/../..") == "/")
        #expect(FilePath.trimmingTrailingSlashes("/var/lib//") == "/var/lib")
        #expect(FilePath.trimmingTrailingSlashes("/") == "/")
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kbe-tests-have-no-host-root"))
        #expect(PackageDatabaseGuard.resolveLink("/var/lib/rpm", files: fs, altroot: "") == "/var/lib/rpm")
    }

    /// A link loop (`/var/lib/rpm` -> `rpm2` -> `rpm`) ends after 8 steps instead of hanging, and
    /// no package database is found there.
    @Test func linkLoopEnds() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-pkgdb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/var/lib", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/var/lib/rpm", withDestinationPath: "rpm2")
        try FileManager.default.createSymbolicLink(atPath: root + "/var/lib/rpm2", withDestinationPath: "rpm")
        let files = RootedFileSystem(root: root)
        let end = PackageDatabaseGuard.resolveLink("/var/lib/rpm", files: files, altroot: "")
        #expect(end == "/var/lib/rpm" || end == "/var/lib/rpm2")
        let s = PackageDatabaseGuard.inspect(files: files, mounts: mounts, beRoot: "rpool/ROOT", altroot: "")
        #expect(s.paths.isEmpty)
        #expect(s.splitDataset == nil)
    }
}
