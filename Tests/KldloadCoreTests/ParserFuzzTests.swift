import Foundation
import Testing
@testable import KldloadCore

/// Feeds every parser truncated, shuffled, spliced and random input from a fixed seed and checks
/// that each one returns or throws `ParseError`, never traps. Reproducible: same seed, same inputs.
@Suite struct ParserFuzzTests {
    /// Every parser under test, as one closure each; errors other than ParseError would fail.
    static let parsers: [(String, @Sendable (String) throws(ParseError) -> Void)] = [
        ("dkms", { t throws(ParseError) in _ = try DKMSStatusParser.parse(t, stderr: t) }),
        ("rpm", { t throws(ParseError) in _ = try RPMQueryParser.parse(t) }),
        ("dpkg", { t throws(ParseError) in _ = try DpkgQueryParser.parseEntries(t) }),
        ("pacman -Q", { t throws(ParseError) in _ = try PacmanParser.parseInstalled(t) }),
        ("pacman -Qu", { t throws(ParseError) in _ = try PacmanParser.parseUpgrades(t) }),
        ("pacman -Si", { t throws(ParseError) in
            for i in try PacmanParser.parseInfo(t) { _ = i.dependsOn; _ = i.requiredVersion(of: "linux") }
        }),
        ("dnf check-update", { t throws(ParseError) in _ = try DnfParser.parseCheckUpdate(t) }),
        ("dnf transaction", { t throws(ParseError) in _ = try DnfParser.parseTransaction(t) }),
        ("apt", { t throws(ParseError) in _ = try AptParser.parseSimulation(t) }),
        ("os-release", { t throws(ParseError) in let r = try OSReleaseParser.parse(t); _ = r.family; _ = r.idLike }),
        ("mokutil", { t throws(ParseError) in _ = try SecureBootParser.parseMokutil(stdout: t, stderr: t) }),
        ("efivars", { t throws(ParseError) in
            _ = try SecureBootParser.parseEFIVariables(secureBoot: Data(t.utf8), setupMode: Data(t.utf8.reversed()))
        }),
        ("vermagic", { t throws(ParseError) in _ = try ModinfoParser.parseVermagic(t) }),
        ("modinfo", { t throws(ParseError) in let m = try ModinfoParser.parse(t); _ = m.isSigned; _ = m.vermagic }),
        ("modinfo -F", { t throws(ParseError) in _ = ModinfoParser.parseField(t) }),
        ("kernel release", { t throws(ParseError) in
            let parts = t.split(separator: "\n").prefix(50).map { KernelRelease(String($0)) }
            _ = parts.sorted()
        }),
    ]

    static let seeds: [String] = [
        "zfs/2.1.11, 6.1.0-18-amd64, x86_64: installed (Original modules exist) (Differences between built and installed modules)\nzfs, 0.8.3: added\nzfs, 2.1, 5.14, x86_64: installed-weak from 5.13\nWarning: x\n",
        "kernel-core\t(none)\t5.14.0\t427.el9\tx86_64\ngpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\n",
        "ii \tbash\t5.2.15-2+b13\tamd64\nrc \tlinux-image\t6.1-1\tamd64\n",
        "linux 6.12.1.arch1-1 -> 6.12.4.arch1-1 [ignored]\nlinux 6.12.1.arch1-1\n",
        "Name            : zfs-linux\nDepends On      : kmod  linux=6.12.1.arch1-1\n                  foo>=1\n\n",
        "Last metadata expiration check: 0:07:38 ago.\n\nkernel.x86_64  5.14.0-427.el9  baseos\nlong-name.noarch\n      1.0-1  appstream\nObsoleting Packages\ngrub2.x86_64  1:2.06-77  baseos\n    grub2-efi.x86_64  1:2.06-70  @baseos\n",
        "Upgrading:\n bash  x86_64  5.1.8-9.el9  baseos  1.7 M\n     replacing  bash.x86_64 5.1.8-6\n curl x86_64 8.11 updates 450.7 KiB\n   replacing curl x86_64 8.10 fedora 450 KiB\nTransaction Summary\nUpgrade  2 Packages\n",
        "The following packages have been kept back:\n  zfs\n1 upgraded, 0 newly installed, 0 to remove and 1 not upgraded.\nInst libc6 [2.36] (2.37 Debian:12/stable [amd64])\nConf libc6 (2.37 Debian:12/stable [amd64])\nRemv x [1]\n",
        "NAME=\"Fedora Linux\"\nID=fedora\nID_LIKE='rhel centos'\nX=a\\ b\n# c\n",
        "SecureBoot enabled\nSecureBoot validation is disabled in shim\n\u{1B}[0m",
        "6.1.0-18-amd64 SMP preempt mod_unload modversions \n",
        "filename:       /lib/modules/x/zfs.ko\nsig_id:         PKCS#7\nsignature:      34:94:\n\t\t02:38\n",
    ]

    static let pieces = [
        ":", ": ", ",", ", ", "/", "(", ")", "[", "]", "\t", "\n", "\r\n", " ", "  ", "->", "=", ">=", "\"", "'", "\\",
        "#", "Inst ", "Conf ", "Remv ", "Purg ", "replacing", "Obsoleting Packages", "Transaction Summary", "Upgrading:",
        "installed", "installed-weak from", "added", "(none)", "99999999999999999999999999999", "-1", "x86_64", "é", "🙂",
        "\u{1B}[", "Warning:", "Deprecated feature:", "upgraded, ", " newly installed", " not fully installed or removed.",
        "The following packages have been kept back:", "\u{0}",
    ]

    func corpus() -> [String] {
        var all = Self.seeds
        for dir in ["dkms", "dkms-public", "rpm", "dpkg", "apt", "dnf", "dnf5-public", "pacman", "modinfo", "mokutil", "os-release"] {
            for f in Fixtures.files(under: dir).prefix(40) {
                if let t = try? Fixtures.text(f) { all.append(String(t.prefix(20_000))) }
            }
        }
        return all
    }

    func mutate(_ s: String, _ rng: inout FuzzRNG) -> String {
        let chars = Array(s)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:  // truncate anywhere (including inside a multi-byte character's bytes)
            let bytes = Array(s.utf8)
            let cut = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &rng)
            return String(decoding: bytes[..<cut], as: UTF8.self)
        case 1:  // shuffle lines
            var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            lines.shuffle(using: &rng)
            return lines.joined(separator: "\n")
        case 2:  // splice random pieces in
            var out = chars
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let at = out.isEmpty ? 0 : Int.random(in: 0...out.count, using: &rng)
                out.insert(contentsOf: Self.pieces.randomElement(using: &rng)!, at: at)
            }
            return String(out)
        case 3:  // delete a random range
            guard chars.count > 1 else { return s }
            let a = Int.random(in: 0..<chars.count, using: &rng)
            let b = Int.random(in: a...chars.count, using: &rng)
            return String(chars[..<a] + chars[b...])
        case 4:  // random bytes
            let n = Int.random(in: 0...200, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return String(decoding: bytes, as: UTF8.self)
        default:  // random sequence of pieces
            return (0..<Int.random(in: 0...40, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
        }
    }

    @Test func noParserTrapsOnMutatedInput() {
        var rng = FuzzRNG(seed: 0x6B6C_646C_6F61_64)
        let inputs = corpus()
        var parsed = 0, rejected = 0
        for round in 0..<400 {
            let base = inputs[round % inputs.count]
            var text = mutate(base, &rng)
            if Bool.random(using: &rng) { text = mutate(text, &rng) }
            for (_, parse) in Self.parsers {
                do {
                    try parse(text)
                    parsed += 1
                } catch {
                    rejected += 1
                    #expect(error.line >= 1)
                    #expect(!error.reason.isEmpty)
                }
            }
        }
        // Both outcomes happen: the mutations are neither all harmless nor all fatal.
        #expect(parsed > 0)
        #expect(rejected > 0)
    }

    @Test func unmutatedSeedsAndEmptyInputDoNotTrap() {
        for text in Self.seeds + ["", "\n", "\r\n", String(repeating: "a", count: 100_000)] {
            for (_, parse) in Self.parsers { _ = try? parse(text) }
        }
        #expect(Self.parsers.count == 16)
    }

    /// A 20,000-package rpm listing parses completely (linear-time smoke test, no timing assertion).
    @Test func largeRPMListing() throws {
        var text = ""
        text.reserveCapacity(20_000 * 48)
        for i in 0..<20_000 { text += "package-\(i)\t(none)\t1.\(i)\t1.el9\tx86_64\n" }
        let pkgs = try RPMQueryParser.parse(text)
        #expect(pkgs.count == 20_000)
        #expect(pkgs.last?.name == "package-19999")
    }

    /// The shared fuzzer (also behind `kldload-bench fuzz`, Docs/PERFORMANCE.md) on every real
    /// capture under Fixtures/: a short deterministic run (500 inputs × every target, a few
    /// seconds in a debug build; the million-input run is `kldload-bench fuzz`). Any trap fails
    /// the whole test run.
    @Test func sharedFuzzerOverAllCapturesShortRun() {
        let corpus = Fuzzer.corpus(directory: Fixtures.root, maxBytes: 512)
        #expect(corpus.count > 100)
        var batches: [Int] = []
        let s = Fuzzer.run(corpus: corpus, seed: 1, count: 500, hangSeconds: 5, batchSize: 200) { batches.append($0) }
        #expect(s.inputs == 500)
        #expect(batches == [0, 200, 400])
        #expect(s.executions == 500 * Fuzzer.targets.count)
        #expect(s.accepted > 0 && s.rejected > 0)
        #expect(s.hangs.isEmpty, "inputs slower than 5 s: \(s.hangs)")
    }

    @Test func fuzzInputsAreReproducibleOneByOne() {
        let corpus = ["a\tb\n1\t2\n", "SecureBoot enabled\n"]
        for i in [0, 1, 77, 12_345] {
            #expect(Fuzzer.input(i, seed: 9, corpus: corpus) == Fuzzer.input(i, seed: 9, corpus: corpus))
        }
        #expect((0..<50).map { Fuzzer.input($0, seed: 9, corpus: corpus) } != (0..<50).map { Fuzzer.input($0, seed: 10, corpus: corpus) })
    }
}
