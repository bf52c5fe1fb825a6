import Foundation
import Testing
@testable import KldloadCore

/// kbe on replay scenarios built from real OpenZFS 2.1 output (Fixtures/scenarios/kbe-*).
@Suite struct KBEReplayTests {
    static func scenario(_ name: String) -> String {
        FixtureLoader.root().appendingPathComponent("scenarios/\(name)").path
    }

    static func run(_ name: String, _ argv: [String], interactive: Bool = false) throws -> (KBECommand.Result, ReplayRunner?) {
        var context = try SystemContext.replay(scenario: scenario(name))
        context.isInteractive = interactive
        let inv = try KBEInvocation.parse(argv)
        let r = KBECommand.run(inv, context: context, timeZone: TimeZone(identifier: "UTC")!)
        return (r, context.runner as? ReplayRunner)
    }

    @Test func listOnRealOutput() throws {
        let (r, runner) = try Self.run("kbe-openzfs-2.1-bes", ["list", "-s"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                NAME                                   ACTIVE  MOUNTPOINT  SPACE  CREATED           DESCRIPTION
                default                                NR      /            591M  2026-11-22 03:33  -
                  default@pre-upgrade-20261122-101500  -       -            208K  2026-11-22 03:53  before nginx rewrite
                  default@before-nginx-rewrite         -       -              0B  2026-11-22 03:53  -
                test                                   -       -            216K  2026-11-22 03:53  test BE: clone of pre-upgrade
                  test@t1                              -       -              0B  2026-11-22 03:53  -

                """)
        #expect(runner?.invocations.count == 2)
    }

    @Test func scriptedExactOnRealOutput() throws {
        let (r, _) = try Self.run("kbe-openzfs-2.1-bes", ["list", "-Hp"])
        // test: used 8192 + origin default@pre-upgrade-20261122-101500 used 212992.
        #expect(
            r.stdout
                == "default\tNR\t/\t620134400\t1795318385\t-\ntest\t-\t-\t221184\t1795319617\ttest BE: clone of pre-upgrade\n")
    }

    @Test func jsonOnRealOutput() throws {
        let (r, _) = try Self.run("kbe-openzfs-2.1-bes", ["list", "--json", "-s"])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["version"] as? Int == 1)
        #expect(obj?["pool"] as? String == "rpool")
        #expect(obj?["beRoot"] as? String == "rpool/ROOT")
        #expect(obj?["runningBE"] as? String == "rpool/ROOT/default")
        let envs = obj?["bootEnvironments"] as? [[String: Any]] ?? []
        #expect(envs.map { $0["name"] as? String } == ["default", "test"])
        #expect(envs.last?["origin"] as? String == "rpool/ROOT/default@pre-upgrade-20261122-101500")
        #expect(envs.last?["created"] as? String == "2026-11-22T03:53:37Z")
        let cps = envs.first?["checkpoints"] as? [[String: Any]] ?? []
        #expect(cps.first?["clones"] as? [String] == ["rpool/ROOT/test"])
    }

    @Test func refusalsOnRealOutput() throws {
        let (running, _) = try Self.run("kbe-openzfs-2.1-bes", ["destroy", "--yes", "default"])
        #expect(running.exitCode == 3)
        let (clones, _) = try Self.run("kbe-openzfs-2.1-bes", ["destroy", "--yes", "pre-upgrade-20261122-101500"])
        #expect(clones.exitCode == 3)
        #expect(clones.stderr.contains("has dependent clones: rpool/ROOT/test"))
        // /var/lib/dpkg is on rpool/var/lib in the VM: booting a checkpoint is refused.
        let (split, _) = try Self.run("kbe-openzfs-2.1-bes", ["activate", "before-nginx-rewrite"])
        #expect(split.exitCode == 3)
        #expect(split.stderr.contains("the package database lives on rpool/var/lib"))
        let (notACheckpoint, _) = try Self.run("kbe-openzfs-2.1-bes", ["rollback", "--yes", "test"])
        #expect(notACheckpoint.exitCode == 2)
        let (bootfs, _) = try Self.run("kbe-openzfs-2.1-bootfs-test2", ["destroy", "--yes", "test2"])
        #expect(bootfs.exitCode == 3)
        let (mounted, _) = try Self.run("kbe-openzfs-2.1-mounted", ["destroy", "--yes", "test2"])
        #expect(mounted.exitCode == 3)
        #expect(mounted.stderr.contains("is mounted at /mnt/be"))
        let (promoted, _) = try Self.run("kbe-openzfs-2.1-promoted", ["destroy", "--yes", "test2"])
        #expect(promoted.exitCode == 3)
        #expect(promoted.stderr.contains("rpool/ROOT/test2@pre-upgrade-20261122-101500 (clones: rpool/ROOT/default)"))
    }

    @Test func dryRunCheckpointIncludesTheRealPackageDatabaseDataset() throws {
        let (r, runner) = try Self.run("kbe-openzfs-2.1-bes", ["create", "-n", "before-kernel"])
        #expect(r.exitCode == 0)
        #expect(
            r.stdout
                == "[kbe] dry run: nothing was changed; the plan is:\n  zfs snapshot rpool/ROOT/default@before-kernel rpool/var/lib@before-kernel\n")
        #expect(runner?.invocations.count == 3)  // bootfs, the listing, the paired datasets
    }

    @Test func activateMountUmountRunTheRecordedCommands() throws {
        let (activate, r1) = try Self.run("kbe-openzfs-2.1-bootfs-test2", ["activate", "default"])
        #expect(activate.exitCode == 0, "\(activate.stderr)")
        #expect(activate.stdout == "[kbe] Next boot will use: rpool/ROOT/default\n")
        #expect(r1?.invocations.last?.argv == ["zpool", "set", "bootfs=rpool/ROOT/default", "rpool"])

        let (mount, r2) = try Self.run("kbe-openzfs-2.1-bootfs-test2", ["mount", "test2", "/mnt/be"])
        #expect(mount.exitCode == 0, "\(mount.stderr)")
        #expect(r2?.invocations.last?.argv == ["mount", "-t", "zfs", "-o", "zfsutil", "rpool/ROOT/test2", "/mnt/be"])

        let (list, _) = try Self.run("kbe-openzfs-2.1-mounted", ["list", "-H"])
        #expect(list.stdout.contains("test2\t-\t/mnt/be\t216K\t"))
        let (umount, r3) = try Self.run("kbe-openzfs-2.1-mounted", ["umount", "test2"])
        #expect(umount.exitCode == 0)
        #expect(umount.stdout == "[kbe] Unmounted rpool/ROOT/test2 from /mnt/be\n")
        #expect(r3?.invocations.last?.argv == ["umount", "/mnt/be"])
    }

    @Test func spaceOfAPromotedCloneOnRealOutput() throws {
        let (r, _) = try Self.run("kbe-openzfs-2.1-promoted", ["list", "-Hp"])
        // default is now the clone: 417792 + test2@pre-upgrade-20261122-101500's 8192.
        #expect(r.stdout.hasPrefix("default\tNR\t/\t425984\t"))
    }

    @Test func aCommandTheScenarioDoesNotCoverFailsWithExit1() throws {
        let (r, _) = try Self.run("kbe-openzfs-2.1-bes", ["describe", "test", "x"])
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("has no recording for: zfs set"))
    }
}

/// kbe's readers on the captured files themselves.
@Suite struct KBECaptureTests {
    static let dir = "zfs-2.1/openzfs-2.1.11-debian12"

    @Test(arguments: [
        "healthy/zfs-list-Hp-be.stdout", "bes/zfs-list-Hp-be.stdout", "bes/zfs-list-Hp-be-after-rename.stdout",
        "bes/zfs-list-Hp-be-after-promote.stdout",
    ])
    func everyCapturedListingParses(file: String) throws {
        let text = try #require(FixtureLoader.text("\(Self.dir)/\(file)"))
        let records = try BEListing.parse(text)
        #expect(records.count == text.split(separator: "\n").count)
        #expect(records.first?.name == "rpool/ROOT")
        #expect(records.allSatisfy { $0.kind == .filesystem || $0.kind == .snapshot })
    }

    @Test func zfsBootMenuPropertiesFromTheCapturedLocalGet() throws {
        let text = try #require(FixtureLoader.text("\(Self.dir)/bes/zfs-get-Hp-local-ROOT.stdout"))
        let props = try SystemQuery.localProperties(of: "rpool/ROOT").text.parse(
            CommandResult(command: Command(["zfs"]), status: .exited(0), stdout: text))
        #expect(props.filter { $0.name.hasPrefix("org.zfsbootmenu:") }.map(\.rawValue) == ["quiet"])
    }

    @Test func capturedMountTables() throws {
        let system = try #require(FixtureLoader.text("\(Self.dir)/system/proc-self-mounts.stdout"))
        let t = try MountTable.parse(system)
        #expect(t.entry(at: "/")?.source == "rpool/ROOT/default")
        #expect(t.mount(holding: "/var/lib/dpkg")?.source == "rpool/var/lib")
        #expect(t.mount(holding: "/boot")?.source == "rpool/ROOT/default")
        let mounted = try #require(FixtureLoader.text("\(Self.dir)/bes/proc-self-mounts-be-mounted.stdout"))
        #expect(try MountTable.parse(mounted).mountpoints(ofDataset: "rpool/ROOT/test2") == ["/mnt/be"])
    }

    @Test func capturedBootfs() throws {
        let text = try #require(FixtureLoader.text("\(Self.dir)/bes/zpool-get-Hp-bootfs-test2.stdout"))
        #expect(try BEListing.parseBootfs(text, pool: "rpool") == "rpool/ROOT/test2")
    }
}
