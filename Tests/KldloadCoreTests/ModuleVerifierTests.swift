import Foundation
import Testing
@testable import KldloadCore

/// `dkms status` lines for zfs in dkms 3.0.10's slash form, exactly as
/// Fixtures/dkms/3.0.10-debian12/status-installed-two-kernels.stdout prints kldload-hello: no
/// zfs-dkms could be built on the capture host, so these two lines are the only non-captured
/// dkms text in these tests.
private let zfsInstalledOn55 = "zfs/2.1.11, 6.1.0-55-amd64, x86_64: installed\n"

private let k55 = "6.1.0-55-amd64"
private let k56 = "6.1.0-56-amd64"

/// A runner for the common case: `dkms status` answers `dkmsStatus`, `modinfo -F vermagic P`
/// answers from `vermagic[P]`, `modinfo -F depends` says `spl`, anything else from `extra`.
private func runner(dkmsStatus: String? = nil, vermagic: [String: String] = [:],
                    extra: @escaping @Sendable ([String]) -> CommandResult? = { _ in nil }) -> ReplayRunner {
    ReplayRunner.answering { argv in
        if argv == ["dkms", "status"], let dkmsStatus { return ReplayRunner.answer(argv, stdout: dkmsStatus) }
        if argv.count == 4, argv[0] == "modinfo", argv[2] == "vermagic" {
            if let out = vermagic[argv[3]] { return ReplayRunner.answer(argv, stdout: out) }
        }
        if argv.count == 4, argv[0] == "modinfo", argv[2] == "depends" { return ReplayRunner.answer(argv, stdout: "spl,znvpair\n") }
        return extra(argv)
    }
}

@Suite struct ModuleVerifierTests {
    // MARK: layouts and compression

    struct Layout: Sendable, CustomTestStringConvertible {
        var directory: String
        var suffix: String
        var delivery: ModuleDelivery
        var vermagicFixture: String
        var testDescription: String { "\(directory)/zfs\(suffix)" }
    }

    static let layouts: [Layout] = [
        Layout(directory: "updates/dkms", suffix: ".ko", delivery: .dkms, vermagicFixture: "vermagic-dkms-ko.stdout"),
        Layout(directory: "updates/dkms", suffix: ".ko.xz", delivery: .dkms, vermagicFixture: "vermagic-ko-xz.stdout"),
        Layout(directory: "updates/dkms", suffix: ".ko.zst", delivery: .dkms, vermagicFixture: "vermagic-ko-zst.stdout"),
        Layout(directory: "extra", suffix: ".ko.xz", delivery: .kmod, vermagicFixture: "vermagic-ko-xz.stdout"),
        Layout(directory: "extra/zfs", suffix: ".ko", delivery: .kmod, vermagicFixture: "vermagic-dkms-ko.stdout"),
        Layout(directory: "extra/zfs/zfs", suffix: ".ko.gz", delivery: .kmod, vermagicFixture: "vermagic-dkms-ko.stdout"),
        Layout(directory: "extramodules", suffix: ".ko.zst", delivery: .prebuilt, vermagicFixture: "vermagic-ko-zst.stdout"),
        Layout(directory: "kernel/zfs", suffix: ".ko.zst", delivery: .builtIn, vermagicFixture: "vermagic-ko-zst.stdout"),
    ]

    @Test(arguments: layouts)
    func everyLayoutAndCompressionIsFound(layout: Layout) {
        let tree = ModuleTree()
        tree.kernel(k56)
        var vermagic: [String: String] = [:]
        for m in ["zfs", "spl"] {
            let path = "/lib/modules/\(k56)/\(layout.directory)/\(m)\(layout.suffix)"
            tree.file(path, "module")
            vermagic[path] = ModuleFixtures.text(ModuleFixtures.modinfo + layout.vermagicFixture)
        }
        let log = ModuleProgressLog()
        let run = runner(vermagic: vermagic)
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.severity == .ok)
        #expect(result.findings.isEmpty)
        #expect(result.nextBootKernel == k56)
        let report = result.kernels.first
        #expect(report?.zfsUsable == true)
        #expect(report?.zfs.map(\.module) == ["zfs", "spl"])
        #expect(report?.zfs.first?.path == "/lib/modules/\(k56)/\(layout.directory)/zfs\(layout.suffix)")
        #expect(report?.zfs.first?.delivery == layout.delivery)
        #expect(report?.zfs.first?.vermagicRelease == k56)
        #expect(!run.argvs.contains(["dkms", "status"]), "dkms is not installed in this tree")
        let note = layout.delivery == .builtIn ? " (built-in)" : " (pre-existing)"
        #expect(log.contains("kernel \(k56) ... zfs\(layout.suffix) OK\(note)"))  // the file as installed
    }

    // MARK: leftovers

    @Test func leftoverDirectoryIsIgnoredNotFailed() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/lib/modules/\(k56)/updates/dkms/zfs.ko")
        tree.file("/lib/modules/\(k56)/updates/dkms/spl.ko")
        // Removed kernel: dpkg left modules.* and an empty DKMS directory, no image.
        tree.file("/lib/modules/\(k55)/modules.dep")
        tree.file("/lib/modules/\(k55)/updates/dkms/.keep")
        let v = ModuleFixtures.vermagic56
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(runner(vermagic: [
            "/lib/modules/\(k56)/updates/dkms/zfs.ko": v, "/lib/modules/\(k56)/updates/dkms/spl.ko": v,
        ])), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.ignoredDirectories == ["/lib/modules/\(k55)"])
        #expect(result.kernels.map(\.kernel) == [k56])
        #expect(result.severity == .ok)
        #expect(log.contains("ignored: /lib/modules/\(k55) has no kernel image"))
    }

    // MARK: vermagic

    @Test func vermagicMismatchForNextBootIsCritical() {
        let tree = ModuleTree()
        tree.kernel(k55)
        // A module built for 6.1.0-56 sitting in 6.1.0-55's tree (real modinfo output of such a module).
        tree.file("/lib/modules/\(k55)/extra/zfs.ko")
        tree.file("/lib/modules/\(k55)/extra/spl.ko")
        let v = ModuleFixtures.vermagic56
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(runner(vermagic: [
            "/lib/modules/\(k55)/extra/zfs.ko": v, "/lib/modules/\(k55)/extra/spl.ko": v,
        ])), progress: log.sink).verify(nextBoot: KernelRelease(k55), rebuild: true)

        #expect(result.severity == .critical)
        #expect(result.kernels.first?.zfs.first?.state == .vermagicMismatch(found: k56))
        #expect(result.findings.first?.message.contains("DO NOT REBOOT") == true)
        #expect(log.contains("kernel \(k55) ... zfs.ko built for \(k56) (vermagic mismatch): /lib/modules/\(k55)/extra/zfs.ko"))
    }

    @Test func unreadableModuleUsesModinfoError() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/lib/modules/\(k56)/updates/dkms/zfs.ko")
        tree.file("/lib/modules/\(k56)/updates/dkms/spl.ko")
        let m = ModuleFixtures.modinfo
        let run = runner { argv in
            argv.first == "modinfo"
                ? ReplayRunner.answer(argv, stdout: ModuleFixtures.text(m + "not-found-path.stdout"),
                                          stderr: ModuleFixtures.text(m + "not-found-path.stderr"),
                                          status: ModuleFixtures.status(m + "not-found-path.status"))
                : nil
        }
        let result = ModuleVerifier(context: tree.context(run), progress: { _ in }).verify(nextBoot: nil, rebuild: false)
        #expect(result.severity == .critical)
        guard case .unreadable(let reason)? = result.kernels.first?.zfs.first?.state else {
            Issue.record("expected unreadable")
            return
        }
        #expect(reason.contains("modinfo: ERROR: Module /lib/modules/6.1.0-56-amd64/updates/dkms/zfs.ko not found."))
    }

    // MARK: next boot vs older kernel

    @Test func zfsMissingForNextBootIsCriticalForOlderKernelAWarning() {
        let tree = ModuleTree()
        tree.kernel(k55)
        tree.kernel(k56)
        tree.file("/lib/modules/\(k56)/updates/dkms/zfs.ko")
        tree.file("/lib/modules/\(k56)/updates/dkms/spl.ko")
        let v = ModuleFixtures.vermagic56
        let vm = ["/lib/modules/\(k56)/updates/dkms/zfs.ko": v, "/lib/modules/\(k56)/updates/dkms/spl.ko": v]

        // 6.1.0-56 boots next and has ZFS; 6.1.0-55 lacks it: a warning.
        let log = ModuleProgressLog()
        let older = ModuleVerifier(context: tree.context(runner(vermagic: vm)), progress: log.sink).verify(nextBoot: nil, rebuild: true)
        #expect(older.severity == .warning)
        #expect(older.kernels.map(\.kernel) == [k56, k55])
        #expect(older.kernels.map(\.bootsNext) == [true, false])
        #expect(older.kernels[1].severity == .warning)
        #expect(older.findings.allSatisfy { $0.kernel == k55 && $0.severity == .warning })
        #expect(older.findings.first?.message.contains("next boot is not affected") == true)
        #expect(log.contains("kernel \(k55) ... zfs.ko MISSING"))
        #expect(!older.zfsOKForAllKernels)

        // The same tree, but ZFSBootMenu is told to boot 6.1.0-55: critical.
        let pinned = ModuleVerifier(context: tree.context(runner(vermagic: vm)), progress: { _ in })
            .verify(nextBoot: KernelRelease(k55), rebuild: true)
        #expect(pinned.severity == .critical)
        #expect(pinned.nextBootKernel == k55)
        #expect(pinned.findings.contains { $0.severity == .critical && $0.message.contains("DO NOT REBOOT") })
    }

    @Test func nextBootKernelThatIsNotInstalledIsCritical() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/lib/modules/6.1.0-57-amd64/modules.dep")
        let result = ModuleVerifier(context: tree.context(runner()), progress: { _ in })
            .verify(nextBoot: KernelRelease("6.1.0-57-amd64"), rebuild: false)
        #expect(result.severity == .critical)
        #expect(result.findings.first?.message.contains("6.1.0-57-amd64") == true)
    }

    // MARK: DKMS rebuild

    @Test func dkmsRebuildSuccess() {
        let tree = ModuleTree()
        tree.kernel(k55)
        tree.kernel(k56)
        tree.file("/usr/sbin/dkms")
        for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k55)/updates/dkms/\(m).ko") }
        let d = ModuleFixtures.dkms
        // Only a 6.1.0-56 vermagic line was captured; 6.1.0-55's modules answer the same line with
        // their own release (stub answer, not a fixture).
        let v56 = ModuleFixtures.vermagic56
        let v55 = v56.replacingOccurrences(of: k56, with: k55)
        let run = runner(dkmsStatus: zfsInstalledOn55, vermagic: [
            "/lib/modules/\(k55)/updates/dkms/zfs.ko": v55, "/lib/modules/\(k55)/updates/dkms/spl.ko": v55,
            "/lib/modules/\(k56)/updates/dkms/zfs.ko": v56, "/lib/modules/\(k56)/updates/dkms/spl.ko": v56,
        ]) { argv in
            guard argv == ["dkms", "autoinstall", "-k", k56] else { return nil }
            // The build installs the modules.
            for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko", "built") }
            return ReplayRunner.answer(argv, stdout: ModuleFixtures.text(d + "autoinstall-success.stdout"))
        }
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink)
            .verify(nextBoot: nil, rebuild: true, newKernels: [KernelRelease(k56)])

        #expect(result.severity == .ok)
        #expect(result.zfsOKForAllKernels)
        #expect(run.argvs.filter { $0 == ["dkms", "status"] }.count == 1)
        #expect(run.argvs.filter { $0.starts(with: ["dkms", "autoinstall"]) } == [["dkms", "autoinstall", "-k", k56]])
        let new = result.kernels.first { $0.kernel == k56 }
        #expect(new?.rebuildAttempted == true)
        #expect(new?.zfs.allSatisfy(\.rebuilt) == true)
        #expect(new?.zfs.first?.delivery == .dkms)
        #expect(log.lines.firstIndex(of: "kernel \(k56) ... building zfs DKMS module")! < log.lines.firstIndex(of: "DKMS: build completed.")!)
        #expect(log.contains("kernel \(k56) ... zfs.ko OK"))
        #expect(log.contains("kernel \(k55) ... zfs.ko OK (pre-existing)"))
        #expect(log.lines.contains { $0.hasSuffix("Installing to /lib/modules/6.1.0-55-amd64/updates/dkms/") }, "dkms output is streamed")
    }

    @Test func dkmsRebuildFailureForNextBootIsCriticalWithBuildLog() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/usr/sbin/dkms")
        let d = ModuleFixtures.dkms
        let run = runner(dkmsStatus: ModuleFixtures.text(d + "status-all.stdout") + "zfs/2.1.11: added\n") { argv in
            guard argv == ["dkms", "autoinstall", "-k", k56] else { return nil }
            return ReplayRunner.answer(argv, stdout: ModuleFixtures.text(d + "autoinstall-with-broken.stdout"),
                                           stderr: ModuleFixtures.text(d + "autoinstall-with-broken.stderr"),
                                           status: ModuleFixtures.status(d + "autoinstall-with-broken.status"))
        }
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.severity == .critical)
        #expect(log.contains("ERROR: DKMS build failed for kernel \(k56)"))
        #expect(log.contains("build log: /var/lib/dkms/zfs/2.1.11/build/make.log"))
        #expect(result.buildLogs.contains("/var/lib/dkms/zfs/2.1.11/build/make.log"))
        #expect(result.buildLogs.contains("/var/lib/dkms/kldload-broken/1.0/build/make.log"))
        let zfsFinding = result.findings.first { $0.module == "zfs" }
        #expect(zfsFinding?.severity == .critical)
        #expect(zfsFinding?.message.contains("even after `dkms autoinstall -k \(k56)`") == true)
    }

    @Test func otherDKMSModuleFailingIsAWarningAndBuildExclusiveIsSkipped() {
        let tree = ModuleTree()
        tree.kernel(k55)
        tree.kernel(k56)
        tree.file("/usr/sbin/dkms")
        for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k55)/updates/dkms/\(m).ko") }
        let d = ModuleFixtures.dkms
        let v56 = ModuleFixtures.vermagic56
        let v55 = v56.replacingOccurrences(of: k56, with: k55)
        let run = runner(dkmsStatus: ModuleFixtures.text(d + "status-all.stdout") + zfsInstalledOn55, vermagic: [
            "/lib/modules/\(k55)/updates/dkms/zfs.ko": v55, "/lib/modules/\(k55)/updates/dkms/spl.ko": v55,
            "/lib/modules/\(k56)/updates/dkms/zfs.ko": v56, "/lib/modules/\(k56)/updates/dkms/spl.ko": v56,
        ]) { argv in
            guard argv == ["dkms", "autoinstall", "-k", k56] else { return nil }
            // zfs builds; the other module fails, the BUILD_EXCLUSIVE one is refused (real output).
            for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko", "built") }
            return ReplayRunner.answer(argv, stdout: ModuleFixtures.text(d + "autoinstall-with-broken.stdout"),
                                           stderr: ModuleFixtures.text(d + "autoinstall-with-broken.stderr"),
                                           status: ModuleFixtures.status(d + "autoinstall-with-broken.status"))
        }
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.severity == .warning)
        #expect(result.zfsOKForAllKernels)
        let broken = result.findings.first { $0.module == "kldload-broken" }
        #expect(broken?.severity == .warning)
        #expect(broken?.buildLog == "/var/lib/dkms/kldload-broken/1.0/build/make.log")
        let skipped = result.findings.first { $0.module == "kldload-oldonly" }
        #expect(skipped?.severity == .ok)
        #expect(skipped?.message.contains("skipped") == true)
        let outcomes = result.kernels.first { $0.kernel == k56 }?.dkms ?? []
        #expect(outcomes.first { $0.module == "kldload-oldonly" }?.result == .skipped)
        #expect(outcomes.first { $0.module == "kldload-broken" }?.result == .failed)
        #expect(log.contains("WARNING: DKMS module kldload-broken failed to build for kernel \(k56)"))
    }

    /// A non-ZFS DKMS module installed for no kernel (`added`: its package's build failed inside
    /// the transaction) is named as a warning for every kernel, without a rebuild; zfs is fine.
    @Test func registeredButUnbuiltModuleIsNamedWithoutRebuilding() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/usr/sbin/dkms")
        tree.file("/var/lib/dkms/kldload-hello/1.0/build/make.log", "make: *** error")
        for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko") }
        let v56 = ModuleFixtures.vermagic56
        let run = runner(dkmsStatus: ModuleFixtures.text(ModuleFixtures.dkms + "status-added.stdout")
                         + zfsInstalledOn55.replacingOccurrences(of: k55, with: k56), vermagic: [
            "/lib/modules/\(k56)/updates/dkms/zfs.ko": v56, "/lib/modules/\(k56)/updates/dkms/spl.ko": v56,
        ])
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.zfsOKForAllKernels)
        #expect(result.severity == .warning)
        #expect(result.kernels.first?.severity == .warning)
        let finding = result.findings.first { $0.module == "kldload-hello" }
        #expect(finding?.severity == .warning)
        #expect(finding?.message.contains("kldload-hello 1.0 is not installed for kernel \(k56) (dkms status: added)") == true)
        #expect(finding?.buildLog == "/var/lib/dkms/kldload-hello/1.0/build/make.log")
        #expect(!run.argvs.contains { $0.count > 1 && $0[0] == "dkms" && $0[1] == "autoinstall" })
        #expect(log.contains("WARNING: DKMS module kldload-hello 1.0 is not installed for kernel \(k56) (dkms status: added)"))
    }

    /// `built` for this kernel but not installed is the same warning; `built` for another kernel
    /// says nothing about this one.
    @Test func builtButNotInstalledOnlyCountsForItsKernel() {
        let tree = ModuleTree()
        tree.kernel(k55)
        tree.kernel(k56)
        tree.file("/usr/sbin/dkms")
        for k in [k55, k56] { for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k)/updates/dkms/\(m).ko") } }
        let v56 = ModuleFixtures.vermagic56
        let v55 = v56.replacingOccurrences(of: k56, with: k55)
        let run = runner(dkmsStatus: ModuleFixtures.text(ModuleFixtures.dkms + "status-built.stdout") + zfsInstalledOn55
                         + zfsInstalledOn55.replacingOccurrences(of: k55, with: k56), vermagic: [
            "/lib/modules/\(k55)/updates/dkms/zfs.ko": v55, "/lib/modules/\(k55)/updates/dkms/spl.ko": v55,
            "/lib/modules/\(k56)/updates/dkms/zfs.ko": v56, "/lib/modules/\(k56)/updates/dkms/spl.ko": v56,
        ])
        let result = ModuleVerifier(context: tree.context(run), progress: { _ in }).verify(nextBoot: nil, rebuild: true)
        let hello = result.findings.filter { $0.module == "kldload-hello" }
        #expect(hello.map(\.kernel) == [k56])
        #expect(hello.first?.message.contains("(dkms status: built)") == true)
        #expect(hello.first?.buildLog == nil)
        #expect(result.kernels.first { $0.kernel == k55 }?.severity == .ok)
    }

    @Test func buildExclusiveFromDkmsConfSkipsWithoutBuilding() {
        let tree = ModuleTree()
        tree.kernel(k55)
        tree.kernel(k56)
        tree.file("/usr/sbin/dkms")
        for k in [k55, k56] { for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k)/updates/dkms/\(m).ko") } }
        // The real dkms.conf of the capture's BUILD_EXCLUSIVE module, where dkms keeps it.
        let conf = (try? String(contentsOfFile: ModuleFixtures.root + "/../Tests/capture/dkms-src/kldload-oldonly-1.0/dkms.conf", encoding: .utf8)) ?? ""
        #expect(conf.contains("BUILD_EXCLUSIVE_KERNEL"))
        tree.file("/var/lib/dkms/kldload-oldonly/1.0/source/dkms.conf", conf)
        let v56 = ModuleFixtures.vermagic56
        let v55 = v56.replacingOccurrences(of: k56, with: k55)
        var vm: [String: String] = [:]
        for m in ["zfs", "spl"] {
            vm["/lib/modules/\(k55)/updates/dkms/\(m).ko"] = v55
            vm["/lib/modules/\(k56)/updates/dkms/\(m).ko"] = v56
        }
        // Pretend an older dkms had installed it for 6.1.0-55 (so it is "expected" on 6.1.0-56).
        let status = "kldload-oldonly/1.0, 6.1.0-55-amd64, x86_64: installed\n"
        let run = runner(dkmsStatus: status, vermagic: vm)
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.severity == .ok)
        #expect(!run.argvs.contains { $0.starts(with: ["dkms", "autoinstall"]) })
        #expect(result.findings.count == 1)
        #expect(result.findings.first?.module == "kldload-oldonly")
        #expect(result.findings.first?.message.contains("BUILD_EXCLUSIVE_KERNEL=\"^4\\.\" does not match 6.1.0-56-amd64") == true)
    }

    @Test func dryRunPrintsTheRebuildInsteadOfRunningIt() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/usr/bin/dkms")
        let run = runner(dkmsStatus: "zfs/2.1.11: added\n")
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(run), progress: log.sink).verify(nextBoot: nil, rebuild: false)
        #expect(!run.argvs.contains { $0.starts(with: ["dkms", "autoinstall"]) })
        #expect(log.contains("kernel \(k56) ... zfs DKMS module missing; would run: dkms autoinstall -k \(k56)"))
        #expect(result.severity == .critical)
        #expect(result.kernels.first?.rebuildAttempted == false)
    }

    // MARK: kmod-zfs weak-updates (RHEL kABI)

    @Test func kmodWeakUpdatesSymlinkIsOK() {
        let old = "5.14.0-503.el9.x86_64", new = "5.14.0-570.el9.x86_64"
        let tree = ModuleTree()
        tree.kernel(old, imageInModulesDir: true)
        tree.kernel(new, imageInModulesDir: true)
        for m in ["zfs", "spl"] {
            tree.file("/lib/modules/\(old)/extra/zfs/\(m).ko.xz", "kmod")
            tree.symlink("/lib/modules/\(new)/weak-updates/zfs/\(m).ko.xz", to: "../../../\(old)/extra/zfs/\(m).ko.xz")
        }
        // modinfo follows the symlink: the module says the kernel it was built for. (Same format as the
        // captured Debian vermagic line; RHEL kernels were not available to capture.)
        let vOld = ModuleFixtures.vermagic56.replacingOccurrences(of: k56, with: old)
        var vm: [String: String] = [:]
        for m in ["zfs", "spl"] {
            vm["/lib/modules/\(old)/extra/zfs/\(m).ko.xz"] = vOld
            vm["/lib/modules/\(new)/weak-updates/zfs/\(m).ko.xz"] = vOld
        }
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(runner(vermagic: vm)), progress: log.sink).verify(nextBoot: nil, rebuild: true)

        #expect(result.severity == .ok)
        let newReport = result.kernels.first { $0.kernel == new }
        #expect(newReport?.bootsNext == true)
        #expect(newReport?.zfs.first?.state == .okWeakUpdates(buildKernel: old))
        #expect(newReport?.zfs.first?.delivery == .kmodWeakUpdates)
        #expect(result.kernels.first { $0.kernel == old }?.zfs.first?.delivery == .kmod)
        #expect(log.contains("kernel \(new) ... zfs.ko.xz OK (kABI weak-updates, built for \(old))"))
    }

    @Test func danglingWeakUpdatesSymlinkIsNotOK() {
        let old = "5.14.0-503.el9.x86_64", new = "5.14.0-570.el9.x86_64"
        let tree = ModuleTree()
        tree.kernel(new, imageInModulesDir: true)
        for m in ["zfs", "spl"] {
            tree.symlink("/lib/modules/\(new)/weak-updates/zfs/\(m).ko.xz", to: "../../../\(old)/extra/zfs/\(m).ko.xz")
        }
        let result = ModuleVerifier(context: tree.context(runner()), progress: { _ in }).verify(nextBoot: nil, rebuild: true)
        #expect(result.severity == .critical)
        #expect(result.kernels.first?.zfs.first?.state == .unreadable(reason: "dangling symlink (its target was removed)"))
    }

    // MARK: Ubuntu built-in

    @Test func ubuntuBuiltInZFS() {
        let k = "6.8.0-45-generic"
        let tree = ModuleTree()
        tree.kernel(k)
        var vm: [String: String] = [:]
        for m in ["zfs", "spl"] {
            tree.file("/lib/modules/\(k)/kernel/zfs/\(m).ko.zst")
            vm["/lib/modules/\(k)/kernel/zfs/\(m).ko.zst"] = ModuleFixtures.text(ModuleFixtures.modinfo + "vermagic-ko-zst.stdout")
                .replacingOccurrences(of: k56, with: k)
        }
        let log = ModuleProgressLog()
        let result = ModuleVerifier(context: tree.context(runner(vermagic: vm)), progress: log.sink).verify(nextBoot: nil, rebuild: true)
        #expect(result.severity == .ok)
        #expect(result.kernels.first?.zfs.allSatisfy { $0.delivery == .builtIn } == true)
        #expect(log.contains("kernel \(k) ... zfs.ko.zst OK (built-in)"))
    }

    @Test func dkmsModuleWinsOverBuiltIn() {
        let tree = ModuleTree()
        tree.kernel(k56)
        var vm: [String: String] = [:]
        for m in ["zfs", "spl"] {
            tree.file("/lib/modules/\(k56)/kernel/zfs/\(m).ko.zst")
            tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko.zst")
            vm["/lib/modules/\(k56)/updates/dkms/\(m).ko.zst"] = ModuleFixtures.vermagic56
        }
        let result = ModuleVerifier(context: tree.context(runner(vermagic: vm)), progress: { _ in }).verify(nextBoot: nil, rebuild: true)
        #expect(result.kernels.first?.zfs.first?.path == "/lib/modules/\(k56)/updates/dkms/zfs.ko.zst")
        #expect(result.severity == .ok)
    }

    @Test func splMissingIsOnlyAcceptedWhenZfsDoesNotDependOnIt() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/lib/modules/\(k56)/updates/dkms/zfs.ko")
        let vm = ["/lib/modules/\(k56)/updates/dkms/zfs.ko": ModuleFixtures.vermagic56]
        // The default stub says zfs depends on spl: spl missing is a problem.
        let needsSpl = ModuleVerifier(context: tree.context(runner(vermagic: vm)), progress: { _ in }).verify(nextBoot: nil, rebuild: true)
        #expect(needsSpl.severity == .critical)
        #expect(needsSpl.findings.first?.module == "spl")
        // A single-module build: `depends:` is empty (as in the captured full-dkms-signed modinfo).
        let single = ReplayRunner.answering { argv in
            if argv == ["modinfo", "-F", "vermagic", "/lib/modules/\(k56)/updates/dkms/zfs.ko"] { return ReplayRunner.answer(argv, stdout: ModuleFixtures.vermagic56) }
            if argv.starts(with: ["modinfo", "-F", "depends"]) { return ReplayRunner.answer(argv, stdout: "\n") }
            return nil
        }
        let result = ModuleVerifier(context: tree.context(single), progress: { _ in }).verify(nextBoot: nil, rebuild: true)
        #expect(result.severity == .ok)
        #expect(result.kernels.first?.zfs.map(\.module) == ["zfs"])
    }

    @Test func reportIsCodable() throws {
        let report = ModuleVerification(kernels: [KernelModuleReport(kernel: k56, bootsNext: true,
            zfs: [ZFSModuleCheck(module: "zfs", state: .vermagicMismatch(found: k55))], severity: .critical)],
            findings: [ModuleFinding(severity: .critical, kernel: k56, module: "zfs", message: "x")])
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(ModuleVerification.self, from: data) == report)
        #expect(report.severity == .critical)
    }
}

@Suite struct ModuleNextBootKernelTests {
    let kernels: [KernelRelease] = ["6.1.0-18-amd64", "6.10.0-1-amd64", "6.1.0-21-amd64"]

    @Test func newestKernelBootsNext() {
        #expect(NextBootKernel.select(from: kernels) == "6.10.0-1-amd64")
        #expect(NextBootKernel.select(from: []) == nil)
    }

    @Test func zfsbootmenuKernelPropertyWins() {
        #expect(NextBootKernel.select(from: kernels, kernelProperty: "6.1.0-18") == "6.1.0-18-amd64")
        #expect(NextBootKernel.select(from: kernels, kernelProperty: "vmlinuz-6.1.0-21-amd64") == "6.1.0-21-amd64")
        #expect(NextBootKernel.select(from: kernels, kernelProperty: "6.1.0") == "6.1.0-21-amd64")
    }

    @Test func unsetOrUnmatchedPropertyFallsBackToNewest() {
        #expect(NextBootKernel.select(from: kernels, kernelProperty: "-") == "6.10.0-1-amd64")
        #expect(NextBootKernel.select(from: kernels, kernelProperty: "") == "6.10.0-1-amd64")
        #expect(NextBootKernel.select(from: kernels, kernelProperty: "5.15") == "6.10.0-1-amd64")
    }
}

/// Which kernel waits for an initramfs (Debian's `/boot/initrd.img-<release>` naming only).
@Suite struct ModuleVerifierInitramfsTests {
    /// The tree removes its directory when it goes away, so the caller keeps it.
    private func verifier(_ files: [String]) -> (ModuleVerifier, ModuleTree) {
        let tree = ModuleTree()
        for f in files { tree.file(f) }
        return (ModuleVerifier(context: tree.context(ReplayRunner.answering { _ in nil }), progress: { _ in }), tree)
    }

    @Test func newestKernelWithoutInitrdWhileAnotherHasOne() {
        let (v, tree) = verifier(["/boot/vmlinuz-6.1.0-57-amd64", "/boot/initrd.img-6.1.0-57-amd64", "/boot/vmlinuz-6.12.95+deb12-amd64"])
        #expect(v.awaitsInitramfs("6.12.95+deb12-amd64"))
        #expect(!v.awaitsInitramfs("6.1.0-57-amd64"))
        withExtendedLifetime(tree) {}
    }

    @Test func layoutsWithoutDebianInitrdNamesSayNothing() {
        // Arch (initramfs-linux.img), or no /boot at all: not known, never claimed.
        let (arch, archTree) = verifier(["/boot/vmlinuz-linux", "/boot/initramfs-linux.img"])
        #expect(!arch.awaitsInitramfs("6.12.1-arch1-1"))
        let (empty, emptyTree) = verifier([])
        #expect(!empty.awaitsInitramfs("6.1.0-57-amd64"))
        withExtendedLifetime((archTree, emptyTree)) {}
    }
}

@Suite struct ModuleVerifierHeadersMissingTests {
    static let knew = "6.18.44-fc-v769"

    /// Kernels 6.1.0-55 (zfs, spl installed) and the capture host's kernel without headers;
    /// `dkms autoinstall -k` answers dkms 3.0.10's real no-headers output
    /// (Fixtures/dkms/3.0.10-debian12/autoinstall-running-kernel-no-headers).
    static func verify(extraStatus: String, zfsOnNewKernel: Bool) -> (ModuleVerification, ReplayRunner) {
        let knew = Self.knew
        let tree = ModuleTree()
        tree.kernel(k55)
        tree.kernel(knew)
        tree.file("/usr/sbin/dkms")
        let kernels = zfsOnNewKernel ? [k55, knew] : [k55]
        var vermagic: [String: String] = [:]
        for k in kernels {
            for m in ["zfs", "spl"] {
                tree.file("/lib/modules/\(k)/updates/dkms/\(m).ko")
                vermagic["/lib/modules/\(k)/updates/dkms/\(m).ko"] = ModuleFixtures.vermagic56.replacingOccurrences(of: k56, with: k)
            }
        }
        let d = ModuleFixtures.dkms
        let run = runner(dkmsStatus: extraStatus + zfsInstalledOn55, vermagic: vermagic) { argv in
            guard argv == ["dkms", "autoinstall", "-k", knew] else { return nil }
            return ReplayRunner.answer(argv, stdout: ModuleFixtures.text(d + "autoinstall-running-kernel-no-headers.stdout"),
                                           stderr: ModuleFixtures.text(d + "autoinstall-running-kernel-no-headers.stderr"),
                                           status: ModuleFixtures.status(d + "autoinstall-running-kernel-no-headers.status"))
        }
        let result = ModuleVerifier(context: tree.context(run), progress: ModuleProgressLog().sink)
            .verify(nextBoot: nil, rebuild: true, newKernels: [KernelRelease(knew)])
        return (result, run)
    }

    /// The headers message names no module, the BUILD_EXCLUSIVE one does. kldload-hello,
    /// installed for 6.1.0-55 and missing for the new kernel, used to vanish from the report
    /// because the skipped module was the only outcome.
    @Test func aModuleThatCannotBuildForMissingHeadersIsReportedBesideASkippedOne() {
        let knew = Self.knew
        let (result, run) = Self.verify(
            extraStatus: "kldload-hello/1.0, 6.1.0-55-amd64, x86_64: installed\n" + zfsInstalledOn55.replacingOccurrences(of: k55, with: knew),
            zfsOnNewKernel: true)
        #expect(run.argvs.contains(["dkms", "autoinstall", "-k", knew]))
        #expect(result.zfsOKForAllKernels)
        let hello = result.findings.first { $0.module == "kldload-hello" && $0.kernel == knew }
        #expect(hello?.severity == .warning)
        #expect(hello?.message.contains("kernel headers for kernel \(knew) cannot be found") == true)
        #expect(hello?.message.contains("linux-headers-\(knew)") == true)
        #expect(result.severity == .warning)
        let outcomes = result.kernels.first { $0.kernel == knew }?.dkms ?? []
        #expect(outcomes.first { $0.module == "kldload-oldonly" }?.result == .skipped)
        #expect(outcomes.first { $0.module == "kldload-hello" }?.result == .failed)
    }

    /// ZFS itself cannot be rebuilt for a kernel without headers: the finding names the headers
    /// package dkms asks for, not a build log that was never written, and no module "dkms".
    @Test func zfsThatCannotBuildForMissingHeadersNamesTheHeadersPackage() {
        let knew = Self.knew
        let (result, _) = Self.verify(extraStatus: "", zfsOnNewKernel: false)
        let zfs = result.findings.first { $0.module == "zfs" && $0.kernel == knew }
        #expect(zfs?.severity == .critical)
        #expect(zfs?.message.contains("linux-headers-\(knew)") == true)
        #expect(zfs?.message.contains("Read the build log") == false)
        #expect(zfs?.buildLog == nil)
        #expect(!result.findings.contains { $0.module == "dkms" })
    }
}
