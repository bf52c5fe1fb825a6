import Foundation
import Testing
@testable import KldloadCore

private let k56 = "6.1.0-56-amd64"
private let k55 = "6.1.0-55-amd64"
private let now = Date(timeIntervalSince1970: 1_790_000_000)
private let temp = "/run/kupgrade-sign"
private let signFile = "/lib/modules/\(k56)/build/scripts/sign-file"

/// efivarfs layout: 4 attribute bytes (NV|BS|RT = 0x06) then the one data byte.
private func efivars(_ tree: ModuleTree, secureBoot: UInt8, setupMode: UInt8) {
    tree.file("/sys/firmware/efi/efivars/.keep")
    tree.bytes(SecureBootParser.secureBootVariable, [0x06, 0, 0, 0, secureBoot])
    tree.bytes(SecureBootParser.setupModeVariable, [0x06, 0, 0, 0, setupMode])
}

/// Enforcing Secure Boot, one kernel with unsigned zfs/spl `.ko.xz`, the DKMS MOK key and sign-file.
private func unsignedXZTree(key: Bool = true) -> ModuleTree {
    let tree = ModuleTree()
    efivars(tree, secureBoot: 1, setupMode: 0)
    tree.kernel(k56)
    for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko.xz", "unsigned \(m)") }
    if key {
        tree.file("/var/lib/dkms/mok.key", "key")
        tree.file("/var/lib/dkms/mok.pub", "cert")
    }
    tree.file(signFile, "#!sign-file")
    return tree
}

/// Simulates modinfo, xz and sign-file on the tree: modinfo reports a signer once the module
/// file's content says "signed"; `xz -z` writes the signed copy.
private func signingRunner(_ tree: ModuleTree) -> ReplayRunner {
    let m = ModuleFixtures.modinfo
    return ReplayRunner.answering { argv in
        switch argv.first {
        case "modinfo" where argv.count == 4:
            let signed = tree.text(argv[3])?.hasPrefix("signed") == true
            if argv[2] == "signer" {
                return ReplayRunner.answer(argv, stdout: ModuleFixtures.text(m + (signed ? "signer-dkms-ko.stdout" : "signer-unsigned-ko.stdout")))
            }
            return ReplayRunner.answer(argv, stdout: signed ? "PKCS#7\n" : "\n")
        case "xz":
            if argv.contains("-z"), let raw = argv.last { tree.file(raw + ".xz", "signed (xz)") }
            return ReplayRunner.answer(argv)
        case signFile, "update-initramfs", "dracut":
            return ReplayRunner.answer(argv)
        default:
            return nil
        }
    }
}

@Suite struct ModuleSignerTests {
    @Test func notActiveWithoutEFISkipsSigning() {
        let tree = ModuleTree()
        tree.kernel(k56)
        tree.file("/lib/modules/\(k56)/updates/dkms/zfs.ko")
        let mo = ModuleFixtures.mokutil
        let run = ReplayRunner.answering { argv in
            argv == ["mokutil", "--sb-state"]
                ? ReplayRunner.answer(argv, stdout: ModuleFixtures.text(mo + "sb-state-no-efi.stdout"),
                                          stderr: ModuleFixtures.text(mo + "sb-state-no-efi.stderr"),
                                          status: ModuleFixtures.status(mo + "sb-state-no-efi.status"))
                : nil
        }
        let log = ModuleProgressLog()
        let report = ModuleSigner(context: tree.context(run), progress: log.sink).signModules()
        #expect(log.lines == ["[kupgrade] Secure Boot: not active, skipping module signing"])
        #expect(!report.enforcing)
        #expect(report.severity == .ok)
        #expect(report.secureBoot.hasPrefix("not supported"))
        #expect(run.argvs == [["mokutil", "--sb-state"]])
    }

    @Test func disabledOrSetupModeInEfivarsSkipsSigning() {
        for (sb, setup) in [(UInt8(0), UInt8(0)), (1, 1)] {
            let tree = ModuleTree()
            efivars(tree, secureBoot: sb, setupMode: setup)
            let run = ReplayRunner.answering { _ in nil }
            let log = ModuleProgressLog()
            let report = ModuleSigner(context: tree.context(run), progress: log.sink).signModules()
            #expect(!report.enforcing)
            #expect(run.argvs.isEmpty, "efivars answer without running mokutil")
            #expect(log.lines == ["[kupgrade] Secure Boot: not active, skipping module signing"])
        }
    }

    @Test func shimValidationDisabledIsNotEnforcing() {
        let tree = ModuleTree()
        efivars(tree, secureBoot: 1, setupMode: 0)
        tree.bytes(ModuleSigner.mokSBStateRT, [0x06, 0, 0, 0, 1])
        let report = ModuleSigner(context: tree.context(ReplayRunner.answering { _ in nil }), progress: { _ in }).signModules()
        #expect(!report.enforcing)
        #expect(report.secureBoot.contains("shim validation disabled"))
    }

    @Test func enforcingWithSignedModulesChangesNothing() {
        let tree = ModuleTree()
        efivars(tree, secureBoot: 1, setupMode: 0)
        tree.kernel(k56)
        for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko", "signed by dkms") }
        let run = signingRunner(tree)
        let log = ModuleProgressLog()
        let report = ModuleSigner(context: tree.context(run), progress: log.sink).signModules()
        #expect(report.enforcing)
        #expect(report.severity == .ok)
        #expect(report.modules.map(\.outcome) == [.alreadySigned(signer: "DKMS module signing key"), .alreadySigned(signer: "DKMS module signing key")])
        #expect(run.argvs.allSatisfy { $0.first == "modinfo" })
        #expect(log.contains("kernel \(k56) ... spl.ko signed (DKMS module signing key)"))
    }

    /// OpenZFS 2.1 (Debian 12) ships zfs.ko with seven more modules it depends on (icp, zavl,
    /// zcommon, zlua, znvpair, zunicode, zzstd). Under Secure Boot each must be signed, or zfs does
    /// not load; found in the e2e VM, where only zfs and spl were re-signed.
    @Test func openZFS21CompanionModulesAreResignedToo() {
        let tree = unsignedXZTree()
        for m in ["icp", "zavl", "zcommon", "zlua", "znvpair", "zunicode", "zzstd"] {
            tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko.xz", "unsigned \(m)")
        }
        tree.file("/lib/modules/\(k56)/updates/dkms/kldemo.ko.xz", "unsigned third-party module")
        let run = signingRunner(tree)
        let report = ModuleSigner(context: tree.context(run, now: now), progress: { _ in }).signModules()
        let names = report.modules.map { ($0.path as NSString).lastPathComponent }
        #expect(names == ["icp.ko.xz", "spl.ko.xz", "zavl.ko.xz", "zcommon.ko.xz", "zfs.ko.xz", "zlua.ko.xz",
                          "znvpair.ko.xz", "zunicode.ko.xz", "zzstd.ko.xz"], "zfs, spl and 2.1's companions; not other modules")
        #expect(report.modules.allSatisfy { $0.outcome == .resigned(signer: "DKMS module signing key") })
        #expect(report.severity == .ok)
        #expect(tree.text("/lib/modules/\(k56)/updates/dkms/zavl.ko.xz") == "signed (xz)")
        #expect(tree.text("/lib/modules/\(k56)/updates/dkms/kldemo.ko.xz") == "unsigned third-party module")
        #expect(run.argvs.filter { $0.first == signFile }.compactMap(\.last) == names.map { "\(temp)/\($0.dropLast(3))" })
        #expect(report.initramfsCommands.count <= 1, "one initramfs rebuild per kernel")
    }

    @Test func anUnsignedCompanionLeftForTheNextBootIsCritical() {
        let tree = unsignedXZTree(key: false)
        for m in ["zfs", "spl"] { tree.file("/lib/modules/\(k56)/updates/dkms/\(m).ko.xz", "signed by dkms") }
        tree.file("/lib/modules/\(k56)/updates/dkms/icp.ko.xz", "unsigned icp")
        let report = ModuleSigner(context: tree.context(signingRunner(tree), now: now), progress: { _ in }).signModules()
        #expect(report.severity == .critical)
        #expect(report.modules.first { $0.path.hasSuffix("/icp.ko.xz") }?.outcome == .failed(reason: "unsigned; no signing key"))
    }

    @Test func enforcingWithUnsignedXZModulesResignsWithExactCommands() {
        let tree = unsignedXZTree()
        let run = signingRunner(tree)
        let log = ModuleProgressLog()
        let report = ModuleSigner(context: tree.context(run, now: now), progress: log.sink).signModules()

        let spl = "/lib/modules/\(k56)/updates/dkms/spl.ko.xz"
        let zfs = "/lib/modules/\(k56)/updates/dkms/zfs.ko.xz"
        func expected(_ module: String, _ path: String) -> [[String]] {
            [
                ["modinfo", "-F", "signer", path],
                ["modinfo", "-F", "sig_id", path],
                ["xz", "-d", "-k", "-f", "\(temp)/\(module).ko.xz"],
                [signFile, "sha256", "/var/lib/dkms/mok.key", "/var/lib/dkms/mok.pub", "\(temp)/\(module).ko"],
                ["xz", "-z", "-f", "--check=crc32", "--lzma2=dict=1MiB", "\(temp)/\(module).ko"],
                ["modinfo", "-F", "signer", path],
            ]
        }
        // Module files in path order: spl before zfs.
        #expect(run.argvs == expected("spl", spl) + expected("zfs", zfs))
        #expect(report.modules.map(\.outcome) == [.resigned(signer: "DKMS module signing key"), .resigned(signer: "DKMS module signing key")])
        #expect(report.modules.first?.commands == Array(expected("spl", spl).dropFirst(2)))
        #expect(report.severity == .ok)
        #expect(tree.text(zfs) == "signed (xz)", "the signed copy replaced the module")
        #expect(!tree.files.exists(temp), "the temporary directory is removed")
        #expect(log.contains("kernel \(k56) ... zfs.ko.xz unsigned: re-signing with /var/lib/dkms/mok.key"))
        #expect(log.contains("kernel \(k56) ... zfs.ko.xz re-signed (DKMS module signing key)"))
    }

    @Test func initramfsIsRebuiltOnceAfterResigningAKernelsModules() {
        let tree = unsignedXZTree()
        tree.file("/usr/sbin/update-initramfs", "#!")
        let run = signingRunner(tree)
        let report = ModuleSigner(context: tree.context(run, now: now), progress: { _ in }).signModules()
        #expect(run.argvs.last == ["update-initramfs", "-u", "-k", k56])
        #expect(run.argvs.filter { $0.first == "update-initramfs" }.count == 1)
        #expect(report.initramfsCommands == [["update-initramfs", "-u", "-k", k56]])
        #expect(report.severity == .ok)

        let rhel = unsignedXZTree()
        rhel.file("/usr/bin/dracut", "#!")
        let r2 = signingRunner(rhel)
        _ = ModuleSigner(context: rhel.context(r2, now: now), progress: { _ in }).signModules()
        #expect(r2.argvs.last == ["dracut", "-f", "--kver", k56])
    }

    @Test func zstdAndGzipUseTheirOwnTools() {
        let file = KernelModuleFile(module: "zfs", path: "/lib/modules/k/extra/zfs.ko.zst", compression: .zstd, layout: .extra)
        let zst = ModuleSigner.commands(for: file, temp: "/t", signFile: "/s", hash: "sha512", key: "/k", certificate: "/c")
        #expect(zst.steps == [["zstd", "-d", "-k", "-f", "-q", "/t/zfs.ko.zst"], ["/s", "sha512", "/k", "/c", "/t/zfs.ko"],
                              ["zstd", "-z", "-f", "-q", "--rm", "/t/zfs.ko"]])
        var gz = file
        gz.path = "/lib/modules/k/extra/zfs.ko.gz"
        gz.compression = .gzip
        #expect(ModuleSigner.commands(for: gz, temp: "/t", signFile: "/s", hash: "sha256", key: "/k", certificate: "/c").steps.last
                == ["gzip", "-n", "-9", "-f", "/t/zfs.ko"])
        var plain = file
        plain.path = "/lib/modules/k/extra/zfs.ko"
        plain.compression = .none
        #expect(ModuleSigner.commands(for: plain, temp: "/t", signFile: "/s", hash: "sha256", key: "/k", certificate: "/c").steps
                == [["/s", "sha256", "/k", "/c", "/t/zfs.ko"]])
    }

    @Test func missingKeyIsAClearErrorAndCriticalForTheNextBoot() {
        let tree = unsignedXZTree(key: false)
        let run = signingRunner(tree)
        let log = ModuleProgressLog()
        let report = ModuleSigner(context: tree.context(run), progress: log.sink).signModules()
        #expect(report.problems == [.missingKey(key: "/var/lib/dkms/mok.key", certificate: "/var/lib/dkms/mok.pub")])
        #expect(report.severity == .critical)
        #expect(report.modules.allSatisfy { if case .failed = $0.outcome { true } else { false } })
        #expect(!run.argvs.contains { $0.first == signFile || $0.first == "xz" })
        let message = report.problems.first?.description ?? ""
        #expect(message.contains("dkms generate_mok` (dkms 3.1 and later"))
        // Debian 12's dkms 3.0.10 (the e2e guest's) has no generate_mok; the message gives the
        // openssl command that dkms 3.0's prepare_signing runs, for the configured paths.
        #expect(message.contains("`openssl req -new -x509 -nodes -days 36500 -subj \"/CN=DKMS module signing key\" -newkey rsa:2048 -keyout /var/lib/dkms/mok.key -outform DER -out /var/lib/dkms/mok.pub`"))
        #expect(message.contains("mokutil --import /var/lib/dkms/mok.pub"))
        #expect(tree.text("/lib/modules/\(k56)/updates/dkms/zfs.ko.xz") == "unsigned zfs")
    }

    @Test func missingSignFileNamesTheHeadersToInstall() {
        let tree = unsignedXZTree()
        try? tree.files.remove(signFile)
        let report = ModuleSigner(context: tree.context(signingRunner(tree)), progress: { _ in }).signModules()
        guard case .missingSignFile(let kernel, let searched)? = report.problems.first else {
            Issue.record("expected missingSignFile")
            return
        }
        #expect(kernel == k56)
        #expect(searched.first == signFile)
        #expect(searched.contains("/usr/src/kernels/\(k56)/scripts/sign-file"))
        #expect(searched.contains("/usr/src/linux-headers-\(k56)/scripts/sign-file"))
        #expect(searched.contains("/usr/lib/linux-kbuild-6.1/scripts/sign-file"))
        #expect(report.problems.first?.description.contains("headers") == true)
    }

    @Test func frameworkConfKeyAndKernelHashAreHonoured() {
        let tree = unsignedXZTree(key: false)
        tree.file("/etc/dkms/framework.conf", "# comment\nmok_signing_key=\"/root/mok/MOK.priv\"\nmok_certificate='/root/mok/MOK.der'\n")
        tree.file("/root/mok/MOK.priv", "k")
        tree.file("/root/mok/MOK.der", "c")
        tree.file("/boot/config-\(k56)", "CONFIG_MODULE_SIG=y\nCONFIG_MODULE_SIG_HASH=\"sha512\"\n")
        let run = signingRunner(tree)
        let report = ModuleSigner(context: tree.context(run, now: now), progress: { _ in }).signModules()
        #expect(report.problems.isEmpty)
        #expect(run.argvs.contains([signFile, "sha512", "/root/mok/MOK.priv", "/root/mok/MOK.der", "\(temp)/zfs.ko"]))
    }

    @Test func dryRunPrintsCommandsAndChangesNothing() {
        let tree = unsignedXZTree()
        let run = signingRunner(tree)
        let log = ModuleProgressLog()
        let report = ModuleSigner(context: tree.context(run, now: now), progress: log.sink, dryRun: true).signModules()
        #expect(!run.argvs.contains { $0.first == "xz" || $0.first == signFile })
        #expect(report.modules.allSatisfy { $0.outcome == .wouldResign })
        #expect(report.modules.first?.commands.count == 4)
        #expect(log.contains("  xz -d -k -f \(temp)/zfs.ko.xz"))
        #expect(log.contains("  \(signFile) sha256 /var/lib/dkms/mok.key /var/lib/dkms/mok.pub \(temp)/zfs.ko"))
        #expect(!tree.files.exists(temp))
        #expect(tree.text("/lib/modules/\(k56)/updates/dkms/zfs.ko.xz") == "unsigned zfs")
    }

    @Test func failedVerificationPutsTheOriginalBack() {
        let tree = unsignedXZTree()
        // xz "recompresses" without a signature: modinfo still reports no signer.
        let inner = signingRunner(tree)
        let run = ReplayRunner.answering { argv in
            if argv.first == "xz", argv.contains("-z"), let raw = argv.last {
                tree.file(raw + ".xz", "still unsigned")
                return ReplayRunner.answer(argv)
            }
            return try? inner.run(Command(argv))
        }
        let report = ModuleSigner(context: tree.context(run, now: now), progress: { _ in }).signModules(nextBoot: KernelRelease(k55))
        #expect(tree.text("/lib/modules/\(k56)/updates/dkms/zfs.ko.xz") == "unsigned zfs")
        #expect(report.modules.allSatisfy { if case .failed(let r) = $0.outcome { r.contains("put back") } else { false } })
        #expect(report.severity == .warning, "6.1.0-56 does not boot next here")
    }

    @Test func weakUpdatesSymlinksAreCheckedAtTheirTarget() {
        let old = "5.14.0-503.el9.x86_64", new = "5.14.0-570.el9.x86_64"
        let tree = ModuleTree()
        efivars(tree, secureBoot: 1, setupMode: 0)
        tree.kernel(old, imageInModulesDir: true)
        tree.kernel(new, imageInModulesDir: true)
        tree.file("/lib/modules/\(old)/extra/zfs/zfs.ko.xz", "signed kmod")
        tree.symlink("/lib/modules/\(new)/weak-updates/zfs/zfs.ko.xz", to: "../../../\(old)/extra/zfs/zfs.ko.xz")
        let run = signingRunner(tree)
        let report = ModuleSigner(context: tree.context(run), progress: { _ in }).signModules()
        #expect(report.modules.map(\.path) == ["/lib/modules/\(old)/extra/zfs/zfs.ko.xz"])
    }

    @Test func reportIsCodable() throws {
        let report = SigningReport(secureBoot: "enforcing (efivars)", enforcing: true,
            modules: [SignedModule(kernel: k56, path: "/x", outcome: .resigned(signer: "s"), commands: [["a"]])],
            problems: [.missingSignFile(kernel: k56, searched: ["/a"])], severity: .warning)
        #expect(try JSONDecoder().decode(SigningReport.self, from: JSONEncoder().encode(report)) == report)
    }
}
