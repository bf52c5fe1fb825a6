import Foundation
import Testing
@testable import KldloadCore

/// `UTF8Chunks` must give exactly what `String(decoding:as:)` gives for the same bytes, however
/// they were split: the runner's stdout and the replayed recordings go through it.
@Suite struct UTF8ChunksTests {
    /// Random bytes, biased to UTF-8 lead and continuation bytes, so many inputs hold valid
    /// multi-byte sequences, sequences cut by a piece boundary, and invalid bytes.
    static func bytes(_ rng: inout FuzzRNG, count: Int) -> [UInt8] {
        let alphabet: [UInt8] = [0x41, 0x0A, 0x09, 0x20, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xFF, 0xC0, 0xED, 0xA0, 0x80, 0xBF]
        return (0..<count).map { _ in
            Bool.random(using: &rng) ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
        }
    }

    /// `all` appended in pieces of random sizes from 0 to `maxPiece` bytes.
    static func appended(_ all: [UInt8], inPiecesUpTo maxPiece: Int, _ rng: inout FuzzRNG) -> UTF8Chunks {
        var chunks = UTF8Chunks()
        var at = 0
        while at < all.count {
            let n = min(all.count - at, Int.random(in: 0...maxPiece, using: &rng))
            all[at..<(at + n)].withUnsafeBytes { chunks.append($0) }
            at += n
        }
        return chunks
    }

    @Test func sameTextAsDecodingForAnySplit() {
        var rng = FuzzRNG(seed: 0x5EED_C4A7)
        var checked = 0
        for _ in 0..<2_000 {
            let all = Self.bytes(&rng, count: Int.random(in: 0...300, using: &rng))
            var chunks = Self.appended(all, inPiecesUpTo: 40, &rng)
            #expect(chunks.byteCount == all.count)
            let text = chunks.text()
            #expect(text == String(decoding: all, as: UTF8.self), "bytes \(all)")
            #expect(Array(text.utf8) == Array(String(decoding: all, as: UTF8.self).utf8))
            #expect(chunks.byteCount == 0)
            #expect(chunks.text() == "")
            checked += 1
        }
        #expect(checked == 2_000)
    }

    /// More than two pieces, with a character cut by each piece boundary and empty appends.
    @Test func bytesAcrossPieces() {
        var all = [UInt8](repeating: 0x61, count: UTF8Chunks.pieceSize - 1) + [0xE2, 0x82, 0xAC]
        all += [UInt8](repeating: 0x62, count: UTF8Chunks.pieceSize - 2) + [0xF0, 0x9F, 0x98, 0x80, 0x0A]
        all += Array("café\n".utf8)
        var rng = FuzzRNG(seed: 11)
        var chunks = Self.appended(all, inPiecesUpTo: 70_000, &rng)
        #expect(chunks.byteCount == all.count)
        let text = chunks.text()
        #expect(text == String(decoding: all, as: UTF8.self))
        #expect(text.hasSuffix("\u{1F600}\ncafé\n"))
        #expect(!text.contains("\u{FFFD}"))
    }

    /// `read(from:)` as the runner uses it: every byte arrives once, and `observe` sees exactly
    /// the bytes of each read.
    @Test func readFromDescriptorObservesEachRead() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("utf8chunks-fd-\(getpid())")
        var rng = FuzzRNG(seed: 12)
        let content = Self.bytes(&rng, count: 3 * UTF8Chunks.pieceSize + 123)
        try Data(content).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var chunks = UTF8Chunks()
        var seen: [UInt8] = []
        while chunks.read(from: fd, { seen += $0 }) > 0 {}
        #expect(seen == content)
        #expect(chunks.byteCount == content.count)
        #expect(chunks.text() == String(decoding: content, as: UTF8.self))
    }

    @Test func readFileMatchesDataThenDecoding() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("utf8chunks-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = FuzzRNG(seed: 7)
        // Empty, small, and larger than one read (1 MiB) with invalid bytes on the boundary.
        var big = [UInt8](repeating: 0x61, count: (1 << 20) - 1)
        big += [0xE2, 0x82, 0xAC, 0xFF]
        big += Self.bytes(&rng, count: 5_000)
        for (k, content) in [[], Array("zfs list\n".utf8), Self.bytes(&rng, count: 10_000), big].enumerated() {
            let url = dir.appendingPathComponent("f\(k)")
            try Data(content).write(to: url)
            if k == 1 { #expect(try UTF8Chunks.readFile(url.path) == "zfs list\n") }
            let text = try UTF8Chunks.readFile(url.path)
            #expect(text == String(decoding: try Data(contentsOf: url), as: UTF8.self))
        }
    }

    /// /proc files say size 0: read in pieces, like a pipe.
    @Test func readFileOfSizeZeroReadsItAll() throws {
        let text = try UTF8Chunks.readFile("/proc/version")
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/version"))
        defer { try? handle.close() }
        #expect(text == String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
        #expect(text.hasPrefix("Linux version "))
    }

    @Test func readFileErrorsNameWhatHappened() {
        #expect(throws: FileSystemError.notFound("/nonexistent/kldload-utf8chunks")) {
            try UTF8Chunks.readFile("/nonexistent/kldload-utf8chunks")
        }
        do {
            _ = try UTF8Chunks.readFile("/")   // a directory: open works, read fails with EISDIR
            Issue.record("reading a directory should fail")
        } catch {
            #expect(error == .ioError(path: "/", reason: String(cString: strerror(EISDIR))))
        }
    }
}
