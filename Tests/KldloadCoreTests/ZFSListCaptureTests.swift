import Foundation
import Testing
@testable import KldloadCore

/// Real OpenZFS 2.1 output captured in a VM (branch `vm`, `Tests/e2e/scripts/capture-*.sh`):
/// every capture listed in a `commands.tsv` under `Fixtures/zfs-2.1/` is fed to the parser
/// for the command that produced it, with the column list taken from the recorded argv.
@Suite struct ZFSCaptureTests {
    struct Capture {
        var folder: String
        var name: String
        var status: Int
        var argv: [String]
        var stdoutPath: String
    }

    static let captureIndexes: [String] = FixtureLoader.files(under: "zfs-2.1", suffix: "commands.tsv")
    static let haveCaptures = !captureIndexes.isEmpty

    /// `commands.tsv`: folder TAB name TAB date TAB status TAB argv (words separated by
    /// spaces, words with other characters in single quotes, as capture-lib.sh writes them).
    static func captures() -> [Capture] {
        var out: [Capture] = []
        for index in captureIndexes {
            guard let text = FixtureLoader.text(index) else { continue }
            let dir = (index as NSString).deletingLastPathComponent
            for line in text.split(separator: "\n") {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard f.count >= 5, let rc = Int(f[3]) else { continue }
                out.append(Capture(folder: String(f[0]), name: String(f[1]), status: rc,
                                   argv: splitArgv(f[4...].joined(separator: "\t")),
                                   stdoutPath: "\(dir)/\(f[0])/\(f[1]).stdout"))
            }
        }
        return out
    }

    static func splitArgv(_ s: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var inQuote = false
        var have = false
        for c in s {
            if inQuote {
                if c == "'" { inQuote = false } else { cur.append(c) }
            } else if c == "'" {
                inQuote = true
                have = true
            } else if c == " " {
                if have { words.append(cur) }
                cur = ""
                have = false
            } else {
                cur.append(c)
                have = true
            }
        }
        if have { words.append(cur) }
        return words
    }

    static func option(_ flag: String, in argv: [String]) -> [String]? {
        guard let i = argv.firstIndex(of: flag), i + 1 < argv.count else { return nil }
        return argv[i + 1].split(separator: ",").map(String.init)
    }

    static let zfsListDefault = ["name", "used", "available", "referenced", "mountpoint"]

    @Test func argvSplittingMatchesCaptureLib() {
        #expect(Self.splitArgv("zfs list -Hp -o name,used rpool/ROOT") == ["zfs", "list", "-Hp", "-o", "name,used", "rpool/ROOT"])
        #expect(Self.splitArgv("find /lib/modules -name 'zfs.ko*' -o ''") == ["find", "/lib/modules", "-name", "zfs.ko*", "-o", ""])
        #expect(Self.option("-o", in: ["zpool", "list", "-Hp", "-o", "name,size"]) == ["name", "size"])
    }

    @Test(.enabled(if: haveCaptures, "no Fixtures/zfs-2.1 captures merged yet"))
    func everyCaptureParsesWithItsOwnArgv() throws {
        var checked = 0
        for c in Self.captures() where c.status == 0 {
            guard let text = FixtureLoader.text(c.stdoutPath) else { continue }
            let a = c.argv
            guard a.count >= 2 else { continue }
            switch (a[0], a[1]) {
            case ("zpool", "status"):
                let r = try ZpoolStatusParser.parse(text)
                #expect(!r.pools.isEmpty || r.message != nil, "\(c.stdoutPath)")
                for p in r.pools { #expect(p.root != nil, "\(c.stdoutPath): \(p.name) has no config") }
            case ("zpool", "list") where a.contains("-Hp") && !a.contains("-v"):
                let cols = Self.option("-o", in: a) ?? ZpoolListParser.defaultColumns
                let pools = try ZpoolListParser.parse(text, columns: cols)
                #expect(!pools.isEmpty, "\(c.stdoutPath)")
                #expect(pools.allSatisfy { $0.health != nil || !cols.contains("health") })
            case ("zpool", "get") where a.contains("-Hp"):
                let props = try ZpoolGetParser.parse(text, fields: Self.option("-o", in: a) ?? ZFSGetParser.defaultFields)
                #expect(!props.isEmpty, "\(c.stdoutPath)")
            case ("zfs", "list") where a.contains("-Hp"):
                let cols = Self.option("-o", in: a) ?? Self.zfsListDefault
                let rows = try ZFSListParser.parse(text, columns: cols)
                #expect(rows.allSatisfy { !$0.name.isEmpty }, "\(c.stdoutPath)")
            case ("zfs", "get") where a.contains("-Hp"):
                let props = try ZFSGetParser.parse(text, fields: Self.option("-o", in: a) ?? ZFSGetParser.defaultFields)
                #expect(!props.isEmpty, "\(c.stdoutPath)")
            default:
                continue
            }
            checked += 1
        }
        #expect(checked >= 10, "expected at least 10 parseable captures, checked \(checked)")
    }
}
