import Foundation
import Testing

@testable import KldloadCore

/// The distribution assets in Sources/dist stay in step with the code: every subcommand and
/// option is in the man page and the completions, every hook line parses as a kbe
/// auto-checkpoint invocation, and install.sh installs every asset. Reads only the repository.
@Suite struct DistTests {
    static let dist: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/dist")

    static func text(_ path: String) throws -> String {
        try String(contentsOf: dist.appendingPathComponent(path), encoding: .utf8)
    }

    /// The roff source with `\-` turned into `-`, so option names can be searched.
    static func man(_ name: String) throws -> String {
        try text("man/\(name)").replacingOccurrences(of: "\\-", with: "-")
    }

    static var kbeOptionNames: [String] {
        (KBECommand.globalOptions + KBECommand.subcommands.flatMap(\.options)).flatMap(\.spec.names)
    }

    @Test func kbeManPageCoversEveryCommandOptionAndExitCode() throws {
        let page = try Self.man("kbe.8")
        for sub in KBECommand.subcommands {
            #expect(page.contains(".B \(sub.name)") || page.contains(".B kbe \(sub.name)"), "subcommand \(sub.name)")
            for alias in sub.aliases { #expect(page.contains(alias), "alias \(alias)") }
        }
        for name in Self.kbeOptionNames { #expect(page.contains(name), "option \(name)") }
        for code in 0...4 { #expect(page.contains(".B \(code)\n"), "exit status \(code)") }
        #expect(page.contains("KLDLOAD_RECORD"))
        #expect(page.contains(".SH FILES"))
    }

    /// One version: the man pages' .TH says what the binaries print (KldloadVersion), which is
    /// also what make-packages puts in the packages (it reads the binary's --version).
    @Test func manPagesCarryTheBinaryVersion() throws {
        for page in ["kbe.8", "kupgrade.8", "kldload.8"] {
            let th = try Self.text("man/\(page)").split(separator: "\n").first { $0.hasPrefix(".TH ") }
            #expect(th?.contains("\"kldload \(KldloadVersion.current)\"") == true, "\(page): \(th ?? "no .TH")")
        }
        #expect(try Self.text("package/make-packages").contains("kbe --version"))
    }

    @Test func kupgradeManPageCoversEveryOptionAndExitCode() throws {
        let page = try Self.man("kupgrade.8")
        let help = KupgradeCommand.helpText
        // Every long option the help lists.
        let options = help.split(separator: "\n").compactMap { line -> [String]? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("-") else { return nil }
            return t.split(separator: " ").prefix(2).map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ",")) }
                .filter { $0.hasPrefix("-") }
        }.flatMap { $0 }
        #expect(options.count >= 10)
        for option in options { #expect(page.contains(option), "option \(option)") }
        for code in 0...5 { #expect(page.contains(".B \(code)\n"), "exit status \(code)") }
        for file in ["/etc/kldload/kupgrade.conf", "/var/log/kupgrade.log", "/run/kupgrade.lock", "KLDLOAD_RECORD"] {
            #expect(page.contains(file), "\(file)")
        }
    }

    @Test func completionsKnowEverySubcommandAndOption() throws {
        for file in ["completions/kbe.bash", "completions/_kbe", "completions/kbe.fish"] {
            let script = try Self.text(file)
            for sub in KBECommand.subcommands {
                #expect(script.contains(sub.name), "\(file): \(sub.name)")
                for alias in sub.aliases { #expect(script.contains(alias), "\(file): \(alias)") }
            }
            for name in Self.kbeOptionNames {
                // fish spells options without dashes: -s h -l help
                let bare = name.hasPrefix("--") ? "-l " + name.dropFirst(2) : "-s " + name.dropFirst(1)
                #expect(script.contains(name) || script.contains(bare), "\(file): \(name)")
            }
            #expect(script.contains("list") && script.contains("-H"), "\(file) reads names from kbe list -H")
        }
    }

    /// The argv each hook runs, after the binary path, is a valid auto-checkpoint invocation.
    @Test func everyHookRunsAParsableAutoCheckpoint() throws {
        let lines: [(String, String)] = [
            ("hooks/apt/80kldload-checkpoint", "apt"),
            ("hooks/pacman/00-kldload-checkpoint.hook", "pacman"),
            ("hooks/dnf/kldload.actions", "dnf"),
            ("hooks/dnf/kldload_checkpoint.py", "dnf"),
        ]
        for (file, origin) in lines {
            let text = try Self.text(file)
            guard let range = text.range(of: "/usr/sbin/kbe auto-checkpoint") else {
                Issue.record("\(file) does not call /usr/sbin/kbe auto-checkpoint")
                continue
            }
            let rest = text[range.upperBound...].prefix { $0 != "\n" && $0 != "|" && $0 != ";" && $0 != "\"" }
            let argv = ["auto-checkpoint"] + rest.split(separator: " ").map(String.init)
            let inv = try KBEInvocation.parse(argv)
            guard case .autoCheckpoint(let options, let strict) = inv.action else {
                Issue.record("\(file): not auto-checkpoint: \(argv)")
                continue
            }
            #expect(options.origin == origin, "\(file)")
            #expect(!strict, "\(file): a hook must not use --strict")
        }
        let pacman = try Self.text("hooks/pacman/00-kldload-checkpoint.hook")
        #expect(pacman.contains("When = PreTransaction"))
        #expect(!pacman.split(separator: "\n").contains { $0.hasPrefix("AbortOnFail") })
        for op in ["Install", "Upgrade", "Remove"] { #expect(pacman.contains("Operation = \(op)")) }
        let apt = try Self.text("hooks/apt/80kldload-checkpoint")
        #expect(apt.contains("DPkg::Pre-Invoke") && apt.contains("|| true"))
        let actions = try Self.text("hooks/dnf/kldload.actions").split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(actions.count == 1)
        #expect(actions.first?.hasPrefix("pre_transaction::::") == true)
    }

    @Test func systemdUnitsAreUnattendedAndTimed() throws {
        let service = try Self.text("systemd/kupgrade.service")
        #expect(service.contains("Type=oneshot"))
        #expect(service.contains("ExecStart=/usr/sbin/kupgrade --yes"))
        #expect(!service.contains("\nProtectSystem=") && !service.contains("\nPrivateDevices="))
        let timer = try Self.text("systemd/kupgrade.timer")
        for key in ["OnCalendar=weekly", "RandomizedDelaySec=", "Persistent=true", "WantedBy=timers.target"] {
            #expect(timer.contains(key), "\(key)")
        }
    }

    @Test func installScriptInstallsEveryAsset() throws {
        let script = try Self.text("install.sh")
        let fm = FileManager.default
        let root = Self.dist.path
        guard let walker = fm.enumerator(atPath: root) else {
            Issue.record("cannot list \(root)")
            return
        }
        var assets: [String] = []
        while let path = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            // package/: the scripts that build the binary and the packages, not installed files
            if fm.fileExists(atPath: root + "/" + path, isDirectory: &isDir), !isDir.boolValue, path != "install.sh",
               !path.hasPrefix("package/") {
                assets.append(path)
            }
        }
        #expect(assets.count >= 17)
        for asset in assets { #expect(script.contains("$here/\(asset) "), "install.sh does not install \(asset)") }
        for variable in ["PREFIX", "DESTDIR", "--uninstall", "package/build-release"] { #expect(script.contains(variable)) }
        #expect(try Self.text("package/build-release").contains("--static-swift-stdlib"))
    }
}
