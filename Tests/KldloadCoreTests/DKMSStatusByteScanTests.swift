import Testing
@testable import KldloadCore

/// `dkms status` is parsed by a byte scan (`DKMSStatusParser.parseInto`); every input must give
/// what the Character code gives line by line (`parseIntoCharacters`): the same modules, the
/// same warnings in the same order, the same error with the same line, on every real capture
/// and on mutated ones (CRLF, remarks, glued messages, invalid UTF-8, combining marks, …).
@Suite struct DKMSStatusByteScanTests {
    static func byCharacters(_ text: String) -> Result<DKMSStatus, ParseError> {
        var status = DKMSStatus()
        do throws(ParseError) {
            try DKMSStatusParser.parseIntoCharacters(&status, text: text)
            return .success(status)
        } catch { return .failure(error) }
    }

    static func byBytes(_ text: String) -> Result<DKMSStatus, ParseError> {
        Result { () throws(ParseError) in try DKMSStatusParser.parse(text) }
    }

    /// Line shapes of dell/dkms' `do_status`, `do_status_weak` and `module_status_built_extra`
    /// (2.x comma form, 2.8.6+/3.x slash form), and the ways a line can go wrong.
    static let shapes = [
        "zfs, 2.1.11, 6.1.0-18-amd64, x86_64: installed",
        "zfs, 0.8.3: added",
        "zfs/2.1.11, 6.1.0-18-amd64, x86_64: installed",
        "zfs/2.1.11, 6.1.0-18-amd64, x86_64: built",
        "zfs/2.2.0: added",
        "nvidia/550.54: broken",
        "zfs, 2.1.11, 5.14.0-362.el9.x86_64, x86_64: installed-weak from 5.14.0-284.el9.x86_64",
        "zfs, 2.1.11, 5.14.0-362.el9.x86_64, x86_64: installed-weak from\t5.14.0-284.el9.x86_64 (original_module exists)",
        "zfs, 2.1.11, 5.14.0-362.el9.x86_64, x86_64: installed-weak",
        "zfs, 2.1.11, 5.14.0-362.el9.x86_64, x86_64: installed-weak from ",
        "zfs, 2.1.11, 5.14.0-362.el9.x86_64, x86_64: installed-weak from(x)",
        "amdgpu, 2.4-25.el7, 3.10.0-957.el7.x86_64, x86_64: installed (original_module exists)",
        "vbox, 4.1.12, 3.2.0-23-generic, x86_64: installed (WARNING! Diff between built and installed module!) (WARNING! Diff between built and installed module!)",
        "v4l2/0.0.1, 5.16.20-200.fc35.x86_64, x86_64: installed (WARNING! Missing some built modules!)",
        "lg4ff/0.5.0, 6.8.0-1-generic, x86_64: installed (Original modules exist) (Differences between built and installed modules)",
        "lg4ff/0.5.0, 6.8.0-2-generic, x86_64: installed (Built modules are missing in the kernel modules folder)",
        "m/1, k, a: installed (a (nested) note) outside text (unclosed",
        "m/1, k, a: installed )stray( x",
        "akvcam/1.2.2, 5.18.10-200.fc36.x86_64, x86_64: installedDeprecated feature: REMAKE_INITRD",
        "akvcam/1.2.2, k, a: installed (Warning: inside) Error! outside",
        "Deprecated feature: REMAKE_INITRD",
        "Error! zfs/2.0: Missing the module source directory or the symbolic link pointing to it.",
        "Manual intervention is required!",
        "dkms.conf: Warning! Zero modules specified.",
        "Warning: The pre_build script is not executable.",
        "WARNING! x", "WARNING: y", "Error: z", "ERROR: w", "Warning! v",
        "evdi/1.12.0, 6.2.0-76060200-generic, x86_64: installed \r",
        "  \t zfs/2.1.11: added \t ",
        "zfs/2.1.11, 6.1.0-18-amd64: installed",
        "zfs, 2.1, 6.1.0, x86_64, extra: built",
        "zfs/2.1.11:", "zfs/2.1.11: ", "zfs/2.1.11:\t", ": added", ":", "/: added", "zfs/: added", "/1: added",
        "zfs: added", "zfs, : added", ", 1: added", "zfs/1, , a: built", "zfs/1, k, : built", "zfs/1,k,a:built",
        "zfs/1, k, a:installed", "zfs/1, k k, a: built", "zfs /1: added", "a:b: c", "a,b:c:",
        "zfs/2.1.11, 6.1.0-18-amd64, x86_64: (note only)", "zfs/1: Error! glued at start",
    ]

    static func inputs() -> [String] {
        let captures = (FixtureLoader.files(under: "dkms") + FixtureLoader.files(under: "dkms-public"))
            .compactMap(FixtureLoader.text)
        var out = captures + shapes + [shapes.joined(separator: "\n"), shapes.joined(separator: "\r\n"), shapes.joined(separator: "\r")]
        // Non-ASCII lines take the Character path; ASCII lines around them still take the bytes.
        out += ["zfs/2.1.11, 6.1.0-18-amd64, x86_64: installed (é)\nzfs/2.1.11: added",
                "zfs/2.1\u{301}: added\nm/1, k, a: built", " \u{301}zfs/1: added", "zfs/1:\u{301} added", "zfs/1, k\u{301}, a: built",
                "", "\n", " \t \n", "\r\n\r\n"]
        var rng = FuzzRNG(seed: 23)
        out.append(interned(&rng))
        let base = captures + [shapes.joined(separator: "\n")]
        for i in 0..<2000 {
            out.append(Fuzzer.mutate(base[i % base.count], &rng))
        }
        return out
    }

    /// Names, kernels and architectures longer than a `String` holds inline, more distinct ones
    /// than the scan keeps, repeating in runs and out of order (the interned columns), with
    /// equal lengths that differ in one byte.
    static func interned(_ rng: inout FuzzRNG) -> String {
        var lines: [String] = []
        for _ in 0..<400 {
            let m = Int.random(in: 0..<12, using: &rng)
            let k = Int.random(in: 0..<12, using: &rng)
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                lines.append("kldload-module-\(m % 10)\(m)/2.1.11-1.el9_5.x86_64, 5.14.0-\(k)00.el9_5.x86_64, x86_64_architecture\(k % 2): installed")
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func byteScanMatchesCharacters() {
        let all = Self.inputs()
        #expect(all.count > 2000)
        var parsedModules = 0
        for text in all {
            let fast = Self.byBytes(text)
            #expect(fast == Self.byCharacters(text), "\(text.prefix(300).debugDescription)")
            if case .success(let s) = fast { parsedModules += s.modules.count }
        }
        // The comparison covers real module lines, not only rejected input.
        #expect(parsedModules > 1000)
    }

    @Test func everyShapeAloneMatches() {
        for line in Self.shapes {
            #expect(Self.byBytes(line) == Self.byCharacters(line), "\(line.debugDescription)")
        }
    }
}
