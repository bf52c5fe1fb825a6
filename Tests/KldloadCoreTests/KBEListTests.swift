import Foundation
import Testing
@testable import KldloadCore

@Suite struct KBEListTests {
    @Test func listMakesTwoCallsAndShowsActiveFlagsAndSpace() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 0)
        #expect(runner.argvs == [KBEWorld.bootfsArgv, KBEWorld.listArgv])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("NAME     ACTIVE  MOUNTPOINT  SPACE  CREATED           DESCRIPTION"))
        #expect(lines[1] == "default  NR      /           1.46K  2025-11-22 10:15  -")
        // test: used 400 + origin snapshot's used 200 = 600 bytes (bectl's SPACE).
        #expect(lines[2] == "test     -       -            600B  2025-11-22 10:19  test BE: clone of pre-upgrade")
    }

    @Test func scriptedExactWithCheckpoints() {
        let (_, context) = KBEWorld.make()
        let r = KBEWorld.run(["list", "-sHp"], context)
        #expect(r.exitCode == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0] == "default\tNR\t/\t1500\t1763806500\t-")
        #expect(lines[1] == "default@install\t-\t-\t100\t1763806600\t-")
        #expect(lines[2] == "default@pre-upgrade-20261122-101500\t-\t-\t200\t1763806700\tbefore nginx rewrite")
        #expect(lines[4] == "test\t-\t-\t600\t1763806750\ttest BE: clone of pre-upgrade")
        #expect(lines[5] == "test@t1\t-\t-\t10\t1763806900\t-")
    }

    @Test func checkpointsAreIndentedInTheTable() {
        let (_, context) = KBEWorld.make()
        let r = KBEWorld.run(["list", "-s"], context)
        let line = r.stdout.split(separator: "\n").first { $0.contains("before-nginx-rewrite") }.map(String.init) ?? ""
        #expect(line.hasPrefix("  default@before-nginx-rewrite "))
        #expect(line.hasSuffix("50B  2025-11-22 10:20  -"))
    }

    @Test func jsonHasVersionAndEnvironments() throws {
        let (_, context) = KBEWorld.make()
        let r = KBEWorld.run(["list", "--json", "-s"], context)
        #expect(r.exitCode == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(object?["version"] as? Int == 1)
        #expect(object?["command"] as? String == "list")
        #expect(object?["bootfs"] as? String == "rpool/ROOT/default")
        let envs = object?["bootEnvironments"] as? [[String: Any]] ?? []
        #expect(envs.count == 2)
        #expect(envs.first?["active"] as? String == "NR")
        #expect(envs.last?["space"] as? Int == 600)
        #expect(envs.last?["origin"] as? String == "rpool/ROOT/default@pre-upgrade-20261122-101500")
        let cps = envs.first?["checkpoints"] as? [[String: Any]] ?? []
        #expect(cps.map { $0["name"] as? String } == ["install", "pre-upgrade-20261122-101500", "before-nginx-rewrite"])
        #expect(cps[1]["clones"] as? [String] == ["rpool/ROOT/test"])
    }

    @Test func scriptedAndJsonConflict() {
        let (runner, context) = KBEWorld.make()
        let r = KBEWorld.run(["list", "-H", "--json"], context)
        #expect(r.exitCode == 2)
        #expect(r.stderr.hasPrefix("kbe: error: -H and --json cannot be combined"))
        #expect(runner.argvs.isEmpty)
    }

    @Test func hundredThousandCheckpointsListInOnePass() {
        var text = KBEWorld.row(
            "rpool/ROOT/default", "filesystem", "1500", "300", "1200", "9000000", "/", "noauto", "yes", "-", "-",
            "1763806500", "-")
        text.reserveCapacity(100_000 * 80)
        for i in 0..<100_000 {
            text += "rpool/ROOT/default@auto-\(i)\tsnapshot\t\(i)\t-\t1000\t-\t-\t-\t-\t-\t\t\(1_763_806_600 + i)\t-\n"
        }
        let (_, context) = KBEWorld.make(listing: text)
        let start = Date()
        let manager = BootEnvironmentManager(context: context)
        let result = try? manager.list(showCheckpoints: true)
        let elapsed = Date().timeIntervalSince(start)
        #expect(result?.1.first?.checkpoints.count == 100_000)
        #expect(result?.1.first?.checkpoints.last?.order == 99_999)
        #expect(elapsed < 30, "listing 100k checkpoints took \(elapsed)s")
    }

    @Test func boundaryValuesDoNotTrap() {
        let huge = String(UInt64.max)
        let text = KBEWorld.row(
            "rpool/ROOT/a", "filesystem", huge, "0", huge, "0", "/", "noauto", "no", "rpool/ROOT/a@x", "-", "0", "-")
            + KBEWorld.row("rpool/ROOT/a@x", "snapshot", huge, "-", "0", "-", "-", "-", "-", "-", "", "0", "-")
        let (_, context) = KBEWorld.make(listing: text, bootfs: "-")
        let r = KBEWorld.run(["list", "-Hp"], context)
        #expect(r.exitCode == 0)
        #expect(r.stdout.hasPrefix("a\t-\t-\t\(huge)\t0\t-"))
    }

    @Test func garbageListingIsAParseErrorExit1() {
        let (_, context) = KBEWorld.make(listing: "rpool/ROOT/a\tfilesystem\tlots\n")
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("line 1"))
    }
}

@Suite struct KBEDiscoveryTests {
    @Test func markerFileOnlyWhenMountTableSaysNothingAndNeverGuessed() {
        let (_, context) = KBEWorld.make(
            mounts: "/dev/sda1 / ext4 rw 0 0\n",
            files: ["/etc/kldload/boot-environment": "rpool/ROOT/gone\n"])
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 4)
        #expect(r.stderr.contains("/etc/kldload/boot-environment names rpool/ROOT/gone"))

        let (_, ok) = KBEWorld.make(
            mounts: "/dev/sda1 / ext4 rw 0 0\n", files: ["/etc/kldload/boot-environment": "rpool/ROOT/default\n"])
        let listed = KBEWorld.run(["list", "-H"], ok)
        #expect(listed.exitCode == 0)
        #expect(listed.stdout.hasPrefix("default\tNR\t"))
    }

    @Test func noZFSRootAndNoMarkerIsNotFound() {
        let (runner, context) = KBEWorld.make(mounts: "/dev/sda1 / ext4 rw 0 0\n")
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 4)
        #expect(r.stderr.contains("hint: in a rescue system"))
        #expect(runner.argvs.isEmpty)
    }

    @Test func rescueSystemUsesBootfsParentAndAltroot() {
        // zpool import -R /mnt rpool: nothing at /, mountpoints carry /mnt.
        let listing = KBEWorld.row(
            "rpool/ROOT", "filesystem", "2000", "0", "98304", "9000000", "none", "off", "no", "-", "-", "1763806500", "-")
            + KBEWorld.row(
                "rpool/ROOT/default", "filesystem", "1500", "300", "1200", "9000000", "/mnt", "noauto", "no", "-", "-",
                "1763806500", "-")
        let (runner, context) = KBEWorld.make(
            listing: listing, mounts: "tmpfs / tmpfs rw 0 0\nrpool/var/lib /mnt/var/lib zfs rw 0 0\n")
        let r = KBEWorld.run(["--pool", "rpool", "list", "-H"], context)
        #expect(r.exitCode == 0)
        #expect(r.stdout == "default\tR\t-\t1.46K\t2025-11-22 10:15\t-\n")
        #expect(runner.argvs == [KBEWorld.bootfsArgv, KBEWorld.listArgv])
    }

    @Test func beRootOverrideAndMissingRoot() {
        let (runner, context) = KBEWorld.make()
        runner.on(
            SystemQuery.bootEnvironmentRecords(root: "rpool/OTHER").command.argv, stderr: "cannot open 'rpool/OTHER': dataset does not exist\n",
            status: 1)
        let r = KBEWorld.run(["--be-root", "rpool/OTHER", "list"], context)
        #expect(r.exitCode == 4)
        #expect(r.stderr.contains("does not exist"))
        let bad = KBEWorld.run(["--be-root", "rpool/RO OT", "list"], context)
        #expect(bad.exitCode == 2)
        let mismatch = KBEWorld.run(["--pool", "tank", "--be-root", "rpool/ROOT", "list"], context)
        #expect(mismatch.exitCode == 2)
    }

    /// A root dataset directly under the pool (`rpool/root`, no container): the pool would be
    /// the BE root, so `var` and `home` would be listed, activated and destroyed as boot
    /// environments. Discovery refuses the layout as `--be-root POOL` does, before any command
    /// that changes something, and says how to make a container.
    @Test func rootDirectlyUnderThePoolIsRefused() {
        let flat = KBEWorld.row("rpool", "filesystem", "3000", "0", "98304", "9000000", "/rpool", "on", "yes", "-", "-", "1763806500", "-")
            + KBEWorld.row("rpool/home", "filesystem", "500", "0", "500", "9000000", "/home", "on", "yes", "-", "-", "1763806500", "-")
            + KBEWorld.row("rpool/root", "filesystem", "1500", "0", "1500", "9000000", "/", "noauto", "yes", "-", "-", "1763806500", "-")
            + KBEWorld.row("rpool/var", "filesystem", "800", "0", "800", "9000000", "/var", "on", "yes", "-", "-", "1763806500", "-")
        let mounts = "rpool/root / zfs rw,relatime,xattr,noacl 0 0\nrpool/var /var zfs rw 0 0\nrpool/home /home zfs rw 0 0\n"
        for argv in [["list"], ["destroy", "-n", "var"], ["activate", "var"], ["create", "--be", "x"]] {
            let (runner, context) = KBEWorld.make(bootfs: "rpool/root", mounts: mounts)
            runner.on(SystemQuery.bootEnvironmentRecords(root: "rpool").command.argv, stdout: flat)
            let r = KBEWorld.run(argv, context)
            #expect(r.exitCode == 3, "\(argv)")
            #expect(r.stderr.contains("the root file system rpool/root sits directly under the pool"), "\(argv)")
            #expect(r.stderr.contains("zfs create -o canmount=off -o mountpoint=none rpool/ROOT; zfs rename rpool/root rpool/ROOT/root"), "\(argv)")
            #expect(!r.stdout.contains("var"), "\(argv)")
            #expect(runner.mutations.isEmpty, "\(argv)")
        }
        // A rescue system finds the BE root from bootfs: the same refusal.
        let (runner, context) = KBEWorld.make(bootfs: "rpool/root", mounts: "tmpfs / tmpfs rw 0 0\n")
        runner.on(SystemQuery.bootEnvironmentRecords(root: "rpool").command.argv, stdout: flat)
        let rescue = KBEWorld.run(["--pool", "rpool", "list"], context)
        #expect(rescue.exitCode == 3)
        #expect(rescue.stderr.contains("the pool's bootfs rpool/root sits directly under the pool"))
        // --be-root agrees: the pool is never a BE root.
        let explicit = KBEWorld.run(["--be-root", "rpool", "list"], context)
        #expect(explicit.exitCode == 2)
        #expect(explicit.stderr.contains("not the pool itself"))
    }

    /// `--be-root` naming a boot environment (not their container) is refused too: its child
    /// datasets would be listed as boot environments.
    @Test func beRootThatIsABootEnvironmentIsRefused() {
        let (runner, context) = KBEWorld.make()
        runner.on(
            SystemQuery.bootEnvironmentRecords(root: "rpool/ROOT/default").command.argv,
            stdout: KBEWorld.row("rpool/ROOT/default", "filesystem", "1500", "300", "1200", "9000000", "/", "noauto", "yes", "-", "-", "1763806500", "-")
                + KBEWorld.row("rpool/ROOT/default/var", "filesystem", "100", "0", "100", "9000000", "/var", "noauto", "yes", "-", "-", "1763806500", "-"))
        let r = KBEWorld.run(["--be-root", "rpool/ROOT/default", "list"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("rpool/ROOT/default is itself a boot environment (mountpoint /, the pool's bootfs)"))
        #expect(r.stderr.contains("hint: name its parent: --be-root rpool/ROOT"))
        #expect(r.stdout.isEmpty)
    }

    @Test func mountTableEscapesAndErrors() throws {
        let t = try MountTable.parse("rpool/ROOT/a /run/kbe/my\\040dir zfs rw,zfsutil 0 0\n")
        #expect(t.entries.first?.mountpoint == "/run/kbe/my dir")
        #expect(t.entries.first?.options == ["rw", "zfsutil"])
        #expect(throws: ParseError.self) { try MountTable.parse("ok / zfs rw 0 0\nbroken-line\n") }
        #expect(t.mount(holding: "/run/kbe/my dir/etc")?.source == "rpool/ROOT/a")
        #expect(MountTable.unescape("trailing\\04") == "trailing\\04")
    }

    @Test func newestKernelComparesVersionsNumerically() {
        #expect(BootKernel.versionLess("6.1.0-9-amd64", "6.1.0-18-amd64"))
        #expect(!BootKernel.versionLess("6.1.0-18-amd64", "6.1.0-9-amd64"))
        #expect(BootKernel.versionLess("5.14.0-503.el9.x86_64", "5.14.0-570.el9.x86_64"))
    }
}
