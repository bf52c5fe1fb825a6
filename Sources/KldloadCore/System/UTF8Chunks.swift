import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Bytes that arrive in pieces (a pipe, a file of unknown size) and end up as one `String`.
///
/// The bytes go into pieces of 1 MiB, each mapped on its own (`mmap`), and `text()` copies
/// them once, straight into the string's storage, unmapping each piece as soon as it is
/// copied: the peak is the text plus one piece. Collecting into one `Data` and then calling
/// `String(decoding:as:)` holds the bytes twice at the end, and more while the `Data` grows
/// by doubling; and pieces from `malloc` (64 KiB `Data` per pipe read) stay with the process
/// after they are freed, so they cost as much (Docs/PERFORMANCE.md, "A command's output held
/// once").
///
/// Invalid UTF-8 becomes U+FFFD exactly as `String(decoding:as:)` makes it: both are the
/// standard library's one validate-and-repair path (`UTF8ChunksTests` compares them).
struct UTF8Chunks: Sendable {
    /// A mapped region and how much of it holds bytes.
    private struct Piece: Sendable {
        var data: Data
        var used: Int
    }

    static let pieceSize = 1 << 20
    private var pieces: [Piece] = []
    private(set) var byteCount = 0

    init() {}

    /// A new piece: anonymous memory of its own, unmapped when the `Data` is released (or
    /// ordinary memory if the mapping fails).
    private static func newPiece() -> Piece {
        let size = pieceSize
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              p != MAP_FAILED
        else { return Piece(data: Data(count: size), used: 0) }
        return Piece(data: Data(bytesNoCopy: p, count: size, deallocator: .custom { q, _ in munmap(q, size) }), used: 0)
    }

    /// Room in the last piece, making a new one when it is full.
    private mutating func room() -> Int {
        if pieces.isEmpty || pieces[pieces.count - 1].used == pieces[pieces.count - 1].data.count {
            pieces.append(Self.newPiece())
        }
        return pieces[pieces.count - 1].data.count - pieces[pieces.count - 1].used
    }

    /// One `read(2)` of `fd` into the free part of the last piece. Returns what `read` returned
    /// (`errno` is left as it set it); `observe` sees the bytes read, when there are any.
    mutating func read(from fd: Int32, _ observe: (UnsafeRawBufferPointer) -> Void = { _ in }) -> Int {
        let free = room()
        let last = pieces.count - 1
        let used = pieces[last].used
        let n = pieces[last].data.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            let n = Glibc.read(fd, base + used, free)
            if n > 0 { observe(UnsafeRawBufferPointer(start: base + used, count: n)) }
            return n
        }
        if n > 0 {
            pieces[last].used += n
            byteCount += n
        }
        return n
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var from = 0
        while from < bytes.count, let source = bytes.baseAddress {
            let k = min(room(), bytes.count - from)
            let last = pieces.count - 1
            let used = pieces[last].used
            pieces[last].data.withUnsafeMutableBytes { raw in
                if let base = raw.baseAddress { (base + used).copyMemory(from: source + from, byteCount: k) }
            }
            pieces[last].used += k
            byteCount += k
            from += k
        }
    }

    /// The whole text; the pieces are gone afterwards (each released once copied).
    mutating func text() -> String {
        var taken = pieces
        pieces = []
        let total = byteCount
        byteCount = 0
        guard total > 0 else { return "" }
        return String(unsafeUninitializedCapacity: total) { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            var end = total
            for i in taken.indices.reversed() {
                let n = taken[i].used
                guard n <= end else { break }
                end -= n
                taken[i].data.withUnsafeBytes { raw in
                    guard let from = raw.baseAddress else { return }
                    UnsafeMutableRawPointer(base + end).copyMemory(from: from, byteCount: n)
                }
                taken[i] = Piece(data: Data(), used: 0)
            }
            return total
        }
    }

    /// A whole file as text. A regular file is read with `read(2)` straight into the string's
    /// storage, sized by `fstat` (the bytes are held once, no `Data` of the whole file). What is
    /// not a regular file is read a MiB at a time into pieces; so is a file that grew after the
    /// `fstat` (read again from its start: a character cut at the old size must not become a
    /// replacement character).
    static func readFile(_ path: String) throws(FileSystemError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { throw .notFound(path) }
            throw .ioError(path: path, reason: String(cString: strerror(e)))
        }
        defer { close(fd) }
        func failure() -> FileSystemError { .ioError(path: path, reason: String(cString: strerror(errno))) }
        func readSome(_ into: UnsafeMutableRawPointer, _ count: Int) throws(FileSystemError) -> Int {
            while true {
                let n = Glibc.read(fd, into, count)
                if n >= 0 { return n }
                if errno != EINTR { throw failure() }
            }
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 {
            let size = Int(info.st_size)
            var failed: FileSystemError?
            let text = String(unsafeUninitializedCapacity: size) { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                var done = 0
                while done < size {
                    do throws(FileSystemError) {
                        let n = try readSome(base + done, size - done)
                        if n == 0 { break }
                        done += n
                    } catch { failed = error; break }
                }
                return done
            }
            if let failed { throw failed }
            var probe: UInt8 = 0
            if try readSome(&probe, 1) == 0 { return text }
            guard lseek(fd, 0, SEEK_SET) == 0 else { throw failure() }
        }
        var chunks = UTF8Chunks()
        while true {
            let n = chunks.read(from: fd)
            if n == 0 { break }
            if n < 0 && errno != EINTR { throw failure() }
        }
        return chunks.text()
    }
}
