import Foundation
import Testing

@testable import KldloadCore

/// The installed binary's symbol floor (Docs/INSTALL.md, "The glibc floor"): built by
/// Sources/dist/package/build-release, it must need nothing newer than GLIBC_2.34 and
/// GLIBCXX_3.4.29, so it starts on RHEL, Rocky and Alma 9. Read with the pure-Swift reader in
/// Support/ELFSymbolVersions.swift, cross-checked against objdump on this test binary.
@Suite struct SymbolFloorTests {
    static let top = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Where build-release leaves the binary (its default scratch path).
    static let releaseBinary = top.appendingPathComponent(".build-release/release/kldload").path
    static var releaseBuilt: Bool { FileManager.default.isExecutableFile(atPath: releaseBinary) }

    static func read(_ path: String) throws -> ELFSymbolVersions {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return try #require(ELFSymbolVersions(bytes), "\(path) is not an ELF64 little-endian file")
    }

    @Test(.enabled(if: releaseBuilt, "no release binary at .build-release/release/kldload: run Sources/dist/package/build-release, then swift test again"))
    func releaseBinaryNeedsNothingNewerThanEL9() throws {
        let elf = try Self.read(Self.releaseBinary)
        #expect(!elf.needed.isEmpty, "the release binary links glibc dynamically: it must need versioned symbols")
        #expect(SymbolFloor.violations(elf.needed) == [], "versions above the EL 9 floor")
        let libraries = Set(elf.needed.map(\.library))
        #expect(!libraries.contains("libstdc++.so.6"), "libstdc++ is linked statically")
        let names = Set(elf.references.map(\.symbol))
        #expect(!names.contains("hypot") && !names.contains("hypotf"), "hypot/hypotf bind inside the binary")
        #expect(elf.references.contains { $0.symbol == "pthread_create" && $0.version == "GLIBC_2.34" })
    }

    /// The reader agrees with objdump -T on a real binary: this test process's own executable.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/objdump"), "no /usr/bin/objdump (binutils) to cross-check against"))
    func readerAgreesWithObjdumpOnThisTestBinary() throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let elf = try Self.read(exe)
        let result = try ProcessRunner().run(Command("/usr/bin/objdump", "-T", exe)).checked()
        // Lines like: 0000000000000000      DF *UND*	0000000000000000 (GLIBC_2.34) pthread_create
        var expected = Set<ELFSymbolVersions.Reference>()
        for line in result.stdout.split(separator: "\n") where line.contains("*UND*") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let name = fields.last else { continue }
            let version = fields.first { $0.hasPrefix("(") && $0.hasSuffix(")") }.map { String($0.dropFirst().dropLast()) }
            if fields.count >= 2, name.hasPrefix("(") == false { expected.insert(.init(symbol: String(name), version: version)) }
        }
        let versioned = Set(elf.references.filter { $0.version != nil })
        #expect(versioned.count > 10)
        #expect(versioned == expected.filter { $0.version != nil })
        #expect(elf.needed.contains { $0.library == "libc.so.6" && $0.version == "GLIBC_2.2.5" })
    }

    @Test func floorFlagsWhatTheUnfixedBuildNeeded() {
        func n(_ lib: String, _ v: String) -> ELFSymbolVersions.Needed { .init(library: lib, version: v) }
        // What `objdump -T` showed on the plain `swift build -c release --static-swift-stdlib`.
        let before = [n("libm.so.6", "GLIBC_2.35"), n("libstdc++.so.6", "GLIBCXX_3.4.30"),
                      n("libc.so.6", "GLIBC_2.34"), n("libstdc++.so.6", "GLIBCXX_3.4.29"),
                      n("libstdc++.so.6", "CXXABI_1.3.11"), n("libc.so.6", "GLIBC_2.2.5"), n("libgcc_s.so.1", "GCC_3.0")]
        #expect(SymbolFloor.violations(before) == [
            "libm.so.6: GLIBC_2.35 is newer than GLIBC_2.34",
            "libstdc++.so.6: GLIBCXX_3.4.30 is newer than GLIBCXX_3.4.29",
        ])
        #expect(SymbolFloor.violations([n("libc.so.6", "GLIBC_2.3.4"), n("libc.so.6", "GLIBC_2.34")]) == [])
        #expect(SymbolFloor.violations([n("libc.so.6", "GLIBC_2.100")]).count == 1)
        #expect(SymbolFloor.violations([n("libfoo.so.1", "FOO_1.0")]).count == 1, "unknown family is reported")
        #expect(SymbolFloor.violations([n("libc.so.6", "GLIBC_PRIVATE")]).count == 1)
    }

    /// Truncated and corrupted copies of a real ELF file: fewer answers or nil, never a trap.
    @Test func readerSurvivesMalformedInput() throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: exe)))
        #expect(ELFSymbolVersions([]) == nil)
        #expect(ELFSymbolVersions(Array(bytes.prefix(63))) == nil)
        #expect(ELFSymbolVersions(Array("not an elf file at all, but long enough to have a header......".utf8)) == nil)
        var copy = bytes   // one copy, bytes flipped and put back each round
        var generator = SystemRandomNumberGenerator()
        var parsed = 0
        for _ in 0..<300 {
            let length = Int.random(in: 64...copy.count, using: &generator)
            var flipped: [(Int, UInt8)] = []
            for _ in 0..<8 {   // the header and the section table (at the end), where offsets live
                let region = Bool.random(using: &generator) ? 0..<64 : max(0, length - 4096)..<length
                let at = Int.random(in: region, using: &generator)
                flipped.append((at, copy[at]))
                copy[at] = UInt8.random(in: 0...255, using: &generator)
            }
            let result = copy.withUnsafeBufferPointer { ELFSymbolVersions(buffer: UnsafeBufferPointer(rebasing: $0.prefix(length))) }
            if result != nil { parsed += 1 }
            for (at, old) in flipped.reversed() { copy[at] = old }
        }
        #expect(copy == bytes)
        #expect(parsed <= 300)   // reaching here without a trap is the assertion
    }
}

/// Hypot against the system's libm, bit for bit (glibc 2.35+ uses the same algorithm).
@Suite struct HypotTests {
    @Test func matchesLibmOnEdgeCases() {
        let specials: [Double] = [0, -0.0, 1, -1, 3, 4, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                                  .leastNonzeroMagnitude, .leastNormalMagnitude, 0x1p511, 0x1p-511, 0x1p-600, 0x1p600,
                                  1e-310, 1e308, 1.5, .pi, 0x1p-54, 0x1p+54]
        for x in specials {
            for y in specials {
                let mine = Hypot.hypot(x, y), libm = Foundation.hypot(x, y)
                #expect(mine.bitPattern == libm.bitPattern || (mine.isNaN && libm.isNaN), "hypot(\(x), \(y)): \(mine) vs \(libm)")
                let fx = Float(x), fy = Float(y)
                let minef = Hypot.hypotf(fx, fy), libmf = Foundation.hypotf(fx, fy)
                #expect(minef.bitPattern == libmf.bitPattern || (minef.isNaN && libmf.isNaN), "hypotf(\(fx), \(fy))")
            }
        }
        #expect(Hypot.hypot(3, 4) == 5)
        #expect(Hypot.hypot(.nan, .infinity) == .infinity)
        #expect(Hypot.hypot(.greatestFiniteMagnitude, .greatestFiniteMagnitude) == .infinity)
    }

    /// Seeded, so a difference is found the same way on every run (an unseeded generator found
    /// the 2^-511…2^-459 underflow band only now and then).
    @Test(arguments: [UInt64(1), 2, 3])
    func matchesLibmOnRandomInputsAcrossTheExponentRange(seed: UInt64) {
        var generator = FuzzRNG(seed: seed)
        var differences: [String] = []
        for _ in 0..<200_000 {
            let x = Double(sign: .plus, exponent: Int.random(in: -1074...1023, using: &generator),
                           significand: Double.random(in: 1..<2, using: &generator))
            // y within a few hundred binades of x, where both terms matter
            let y = Double(sign: Bool.random(using: &generator) ? .plus : .minus,
                           exponent: max(-1074, min(1023, x.exponent + Int.random(in: -60...60, using: &generator))),
                           significand: Double.random(in: 1..<2, using: &generator))
            if Hypot.hypot(x, y).bitPattern != Foundation.hypot(x, y).bitPattern, differences.count < 5 {
                differences.append("hypot(\(x), \(y))")
            }
            let fx = Float(bitPattern: UInt32.random(in: 0..<0x7f80_0000, using: &generator))
            let fy = Float(bitPattern: UInt32.random(in: 0..<0x7f80_0000, using: &generator))
            if Hypot.hypotf(fx, fy).bitPattern != Foundation.hypotf(fx, fy).bitPattern, differences.count < 5 {
                differences.append("hypotf(\(fx), \(fy))")
            }
        }
        #expect(differences == [])
    }

    /// The band where the correction terms underflow although the squares do not.
    @Test func matchesLibmWhereTheCorrectionWouldUnderflow() {
        var generator = FuzzRNG(seed: 0x4859_504F_54)
        var differences: [String] = []
        for _ in 0..<300_000 {
            let x = Double(sign: .plus, exponent: Int.random(in: -530 ... -430, using: &generator),
                           significand: Double.random(in: 1..<2, using: &generator))
            let y = Double(sign: .plus, exponent: x.exponent + Int.random(in: -60...60, using: &generator),
                           significand: Double.random(in: 1..<2, using: &generator))
            if Hypot.hypot(x, y).bitPattern != Foundation.hypot(x, y).bitPattern, differences.count < 5 {
                differences.append("hypot(\(x), \(y))")
            }
        }
        #expect(differences == [])
    }
}
