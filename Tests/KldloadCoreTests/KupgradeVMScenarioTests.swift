import Foundation
import Testing

@testable import KldloadCore

/// The two issue-4 recordings made live in the e2e VM (Tests/e2e scenarios 11 and 12; see each
/// fixture's PROVENANCE.md for what was real and what was staged), replayed through the whole
/// kupgrade run as `kupgrade --replay DIR` does.
@Suite("kupgrade VM recordings: Secure Boot re-signing, Ubuntu built-in ZFS")
struct KupgradeVMScenarioTests {
    typealias Run = ScenarioReplay
    static func run(_ name: String) throws -> Run { try ScenarioReplay.run(name) }

    static let secureBoot = "kupgrade-secureboot-unsigned-ko-xz"
    static let ubuntu = "kupgrade-ubuntu2404-builtin-zfs"
    static let kernel = "6.1.0-50-amd64"
    static let dkmsDir = "/lib/modules/\(kernel)/updates/dkms"
    static let work = "/run/kupgrade-sign"

    // MARK: - Secure Boot enforcing, unsigned .ko.xz

    @Test func secureBootReplayExitsZeroWithEveryRecordingUsed() throws {
        let r = try Self.run(Self.secureBoot)
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.replay.unusedRecordingsInUse.map(\.name) == [], "recorded but not run")
        #expect(r.argv == r.replay.recordingsInUse.map(\.argv), "commands run differ from the recordings")
        #expect(r.report.plan?.items.map(\.name) == ["kldload-demo"])
    }

    @Test func secureBootEnforcingFromEfivarsResignsAndVerifiesEveryZFSModule() throws {
        let r = try Self.run(Self.secureBoot)
        let signing = try #require(r.report.signing)
        #expect(signing.enforcing)
        #expect(signing.secureBoot == "enforcing (efivars)")
        #expect(signing.problems.isEmpty)
        #expect(signing.severity == .ok)
        let names = signing.modules.map { ($0.path as NSString).lastPathComponent }
        #expect(names == ["icp.ko.xz", "spl.ko.xz", "zavl.ko.xz", "zcommon.ko.xz", "zfs.ko.xz", "zlua.ko.xz",
                          "znvpair.ko.xz", "zunicode.ko.xz", "zzstd.ko.xz"])
        #expect(signing.modules.allSatisfy { $0.outcome == .resigned(signer: "DKMS module signing key") })
        #expect(r.output.contains("kernel \(Self.kernel) ... zfs.ko.xz re-signed (DKMS module signing key)"))
        // The summary says what was done to the modules, not only the progress lines.
        #expect(r.output.contains("  Secure Boot: enforcing; re-signed 9 modules for kernel \(Self.kernel) with the DKMS MOK key; initramfs rebuilt\n"))
    }

    @Test func secureBootSigningCommandsInOrder() throws {
        let r = try Self.run(Self.secureBoot)
        let signFile = "/lib/modules/\(Self.kernel)/build/scripts/sign-file"
        let zfs = Self.dkmsDir + "/zfs.ko.xz"
        let expected: [[String]] = [
            ["modinfo", "-F", "signer", zfs],
            ["modinfo", "-F", "sig_id", zfs],
            ["xz", "-d", "-k", "-f", Self.work + "/zfs.ko.xz"],
            [signFile, "sha256", "/var/lib/dkms/mok.key", "/var/lib/dkms/mok.pub", Self.work + "/zfs.ko"],
            ["xz", "-z", "-f", "--check=crc32", "--lzma2=dict=1MiB", Self.work + "/zfs.ko"],
            ["modinfo", "-F", "signer", zfs],
        ]
        let start = try #require(r.argv.firstIndex(of: expected[0]))
        #expect(Array(r.argv[start..<start + expected.count]) == expected)
        // One initramfs rebuild, after every module of the kernel was signed.
        let initramfs = ["update-initramfs", "-u", "-k", Self.kernel]
        #expect(r.argv.filter { $0 == initramfs }.count == 1)
        let lastSign = try #require(r.argv.lastIndex { $0.first == signFile })
        let rebuild = try #require(r.argv.firstIndex(of: initramfs))
        #expect(rebuild > lastSign)
        #expect(r.report.signing?.initramfsCommands == [initramfs])
        // Signing comes after the package transaction and the module check.
        let upgrade = try #require(r.argv.firstIndex { $0.first == "apt-get" && $0.last == "dist-upgrade" && !$0.contains("-s") })
        #expect(upgrade < start)
    }

    @Test func secureBootRecordingHoldsThePreRunModulesNotTheRunsOwnFiles() throws {
        let root = Fixtures.root.appendingPathComponent("scenarios/\(Self.secureBoot)/root").path
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: root + Self.work), "the re-signing work directory is the run's own")
        #expect(!fm.fileExists(atPath: root + "/var/log/kupgrade.log"))
        // The private key is never copied: kupgrade only checks that it exists.
        let key = try Data(contentsOf: URL(fileURLWithPath: root + "/var/lib/dkms/mok.key"))
        #expect(key.isEmpty)
        // The recorded module is the unsigned one the run started from (xz magic, no signature marker).
        let zfs = try Data(contentsOf: URL(fileURLWithPath: root + Self.dkmsDir + "/zfs.ko.xz"))
        #expect(zfs.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]))
        let context = try SystemContext.replay(scenario: Fixtures.root.appendingPathComponent("scenarios/\(Self.secureBoot)").path)
        #expect(try context.files.contents(of: Self.dkmsDir + "/zfs.ko.xz") == zfs)
    }

    // MARK: - Ubuntu 24.04, zfs in the kernel package

    @Test func ubuntuReplayExitsZeroWithEveryRecordingUsed() throws {
        let r = try Self.run(Self.ubuntu)
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.replay.unusedRecordingsInUse.map(\.name) == [], "recorded but not run")
        #expect(r.argv == r.replay.recordingsInUse.map(\.argv), "commands run differ from the recordings")
        #expect(r.report.distro?.id == "ubuntu")
        #expect(r.report.distro?.idLike == ["debian"])
        #expect(r.report.packageManager == "apt")
        #expect(r.report.plan?.items.map(\.name) == ["kldload-demo"])
        #expect(r.report.checkpoint?.snapshots == ["rpool/ROOT/default@pre-upgrade-20261202-042919",
                                                   "rpool/var/lib@pre-upgrade-20261202-042919"])
    }

    @Test func ubuntuZFSIsBuiltInWithMatchingVermagicAndNothingIsRebuilt() throws {
        let r = try Self.run(Self.ubuntu)
        let modules = try #require(r.report.modules)
        let kernel = try #require(modules.kernels.first { $0.kernel == Self.kernel })
        #expect(kernel.bootsNext)
        #expect(!kernel.rebuildAttempted)
        let zfs = try #require(kernel.zfs.first { $0.module == "zfs" })
        #expect(zfs.path == "/lib/modules/\(Self.kernel)/kernel/zfs/zfs.ko.zst")
        #expect(zfs.delivery == .builtIn)
        #expect(zfs.state == .ok)
        #expect(zfs.vermagicRelease == Self.kernel)
        #expect(kernel.zfs.first { $0.module == "spl" }?.delivery == .builtIn)
        #expect(modules.severity == .ok)
        #expect(r.argv.contains(["modinfo", "-F", "vermagic", "/lib/modules/\(Self.kernel)/kernel/zfs/zfs.ko.zst"]))
        #expect(!r.argv.contains { $0.first == "dkms" && $0.dropFirst().first == "autoinstall" }, "no DKMS rebuild")
        #expect(r.output.contains("(built-in)"))
        #expect(r.report.signing?.enforcing == false)
    }
}
