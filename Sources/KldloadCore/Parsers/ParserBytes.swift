import Foundation

/// Byte-level twins of the `ParserText` helpers, for the line parsers that scan `text.utf8`
/// (`ParserText.forEachLine`) instead of Characters (Docs/PERFORMANCE.md, "Package-manager
/// parsers as byte scans"). They are used on ASCII lines only: there every byte is one
/// Character, so `words`, `trimmed` and `isIndented` on the bytes give exactly what the
/// Character versions give on the same line. Offsets are indices into the line's buffer.
extension ParserText {
    static func isSpaceOrTab(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// The blank-separated words of `range` of `bytes` (spaces and tabs, as `words`), into
    /// `out` (cleared, its capacity kept so one array serves every line). Returns their count.
    ///
    /// The column formats pad with long runs of blanks: blanks and words are skipped eight
    /// bytes at a time (`scan`), and the words are gathered on the stack and added to `out`
    /// once per sixteen (one `Array.append` per word checked uniqueness and capacity each time).
    @discardableResult
    static func words(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) -> Int {
        out.removeAll(keepingCapacity: true)
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the line")
        guard let base = bytes.baseAddress, !range.isEmpty else { return 0 }
        let end = range.upperBound
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 16) { chunk -> Int in
            var n = 0, total = 0
            var i = range.lowerBound
            while true {
                i = scan(base, from: i, to: end, 0x20, 0x09, matching: false)
                if i == end { break }
                let start = i
                i = scan(base, from: i, to: end, 0x20, 0x09, matching: true)
                chunk.initializeElement(at: n, to: start..<i)
                n += 1
                if n == chunk.count {
                    out.append(contentsOf: chunk)
                    total += n
                    n = 0
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<n]))
            return total + n
        }
    }

    /// The first word of `range` of `bytes` (`range.upperBound..<range.upperBound` when there
    /// is none): what `words` finds first, for a parser that reads a fixed few words of a line
    /// one after another without an array.
    @inline(__always)
    static func word(_ bytes: UnsafeBufferPointer<UInt8>, in range: Range<Int>) -> Range<Int> {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the line")
        guard let base = bytes.baseAddress else { return range.upperBound..<range.upperBound }
        let start = scan(base, from: range.lowerBound, to: range.upperBound, 0x20, 0x09, matching: false)
        return start..<scan(base, from: start, to: range.upperBound, 0x20, 0x09, matching: true)
    }

    /// The high bit of each byte of `x` (little-endian: byte k of memory is bits 8k…8k+7) that
    /// is `a` or `b`, exactly (no borrow runs from one byte into the next).
    @inline(__always)
    static func matches(_ x: UInt64, _ a: UInt8, _ b: UInt8) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        // High bit set exactly in the bytes of `v` that are not zero.
        @inline(__always) func nonZero(_ v: UInt64) -> UInt64 { (((v & low7) &+ low7) | v) & high }
        return ~(nonZero(x ^ (ones &* UInt64(a))) & nonZero(x ^ (ones &* UInt64(b)))) & high
    }

    /// The first offset at or after `i` (before `end`) whose byte is `a` or `b` (`matching`), or
    /// is neither (`!matching`); `end` when there is none. Eight bytes a step, then byte by byte.
    @inline(__always)
    static func scan(_ p: UnsafePointer<UInt8>, from i: Int, to end: Int, _ a: UInt8, _ b: UInt8, matching: Bool) -> Int {
        var i = i
        while end - i >= 8 {
            let m = matches(UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)), a, b)
            let stop = matching ? m : ~m & 0x8080_8080_8080_8080
            if stop != 0 { return i + stop.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end && (p[i] == a || p[i] == b) != matching { i += 1 }
        return i
    }

    /// The first offset in `range` of `bytes` holding `a` or `b`, `range.upperBound` when none.
    @inline(__always)
    static func first(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ a: UInt8, _ b: UInt8) -> Int {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the line")
        guard let base = bytes.baseAddress else { return range.upperBound }
        return scan(base, from: range.lowerBound, to: range.upperBound, a, b, matching: true)
    }

    /// The end of the word starting at `start` in `range` (the first space or tab after it).
    @inline(__always)
    static func wordEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, in range: Range<Int>) -> Int {
        first(bytes, start..<range.upperBound, 0x20, 0x09)
    }

    /// `range` without leading and trailing spaces and tabs (`trimmed`).
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi && isSpaceOrTab(bytes[lo]) { lo += 1 }
        while hi > lo && isSpaceOrTab(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// The line starts with a space or a tab (`isIndented`).
    static func isIndented(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && isSpaceOrTab(bytes[0])
    }

    /// `range` of `bytes` is exactly `word` (ASCII).
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        var k = 0
        for i in range {
            if bytes[i] != w[k] { return false }
            k += 1
        }
        return true
    }

    /// `range` of `bytes` is `word` (ASCII, lower case) in any case (`lowercased() == word` of
    /// an ASCII string: only `A`…`Z` change).
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        var k = 0
        for i in range {
            let b = bytes[i]
            if b != w[k] && !(b >= 0x41 && b <= 0x5A && b | 0x20 == w[k]) { return false }
            k += 1
        }
        return true
    }

    /// The whole line as a `String` (the `text` of a `ParseError`).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// `ranges` of `bytes` joined by one space (`words(…)[k...].joined(separator: " ")`).
    static func joined(_ bytes: UnsafeBufferPointer<UInt8>, _ ranges: ArraySlice<Range<Int>>) -> String {
        guard let first = ranges.first, let last = ranges.last else { return "" }
        // Words already one space apart (the common case): one copy of the span.
        var prev = first
        var oneSpace = true
        for r in ranges.dropFirst() {
            if r.lowerBound != prev.upperBound + 1 || bytes[prev.upperBound] != 0x20 { oneSpace = false; break }
            prev = r
        }
        if oneSpace { return string(bytes, first.lowerBound..<last.upperBound) }
        var out = string(bytes, first)
        for r in ranges.dropFirst() {
            out += " "
            out += string(bytes, r)
        }
        return out
    }

    /// Number of line feeds in `text`: how many entries a line parser will make, at most (plus
    /// one for a last line without one), so its result array is reserved once. `memchr` from
    /// one line feed to the next: the byte loop it replaces was not vectorized (8 % of the dnf
    /// parse; 2.2 ms on 100,000 dnf lines, `memchr` 0.7 ms, eight bytes a step 2.2 ms).
    static func lineFeeds(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { buf in
            guard let p = buf.baseAddress else { return 0 }
            var n = 0, i = 0
            while i < buf.count, let q = memchr(p + i, 0x0A, buf.count - i) {
                n += 1
                i = p.distance(to: q.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return n
        }
    }
}

extension ParserText {
    /// The few distinct values of a column that repeats on every row (apt's release
    /// `Debian:12.15/oldstable`, dnf's repository): a value longer than a `String` holds inline
    /// (15 bytes) is made once and shared, not allocated again for every row.
    struct Interner {
        private var values: [String] = []
        private var next = 0
        /// The last value found or made: rows come grouped (dkms: one module on every kernel),
        /// so it is tried first.
        private var last = 0

        mutating func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
            guard range.count > 15, let start = bytes.baseAddress.map({ $0 + range.lowerBound }) else {
                return ParserText.string(bytes, range)
            }
            func matches(_ k: Int) -> Bool {
                var v = values[k]
                return v.utf8.count == range.count && v.withUTF8({ memcmp($0.baseAddress!, start, range.count) == 0 })
            }
            if last < values.count && matches(last) { return values[last] }
            for k in values.indices where k != last && matches(k) {
                last = k
                return values[k]
            }
            let s = ParserText.string(bytes, range)
            if values.count < 8 { last = values.count; values.append(s) } else { last = next; values[next] = s; next = (next + 1) % 8 }
            return s
        }
    }
}

extension Package {
    /// All fields, as given (no `joinVersion`). `package`: the benchmark's values floor
    /// (`kldload-bench`, `rpm-query-values`) builds packages the way the parsers do.
    package init(name: String, epoch: String?, version: String, release: String?, arch: String?, fullVersion: String) {
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.arch = arch
        self.fullVersion = fullVersion
    }

    /// `init(name:fullVersion:arch:)` of an ASCII line's bytes: `splitVersion` done on the
    /// bytes (the epoch ends at the first `:` when it is all digits, the release starts after
    /// the last `-` unless that is the first byte of the rest); only the parts become `String`s.
    init(ascii bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, fullVersion v: Range<Int>, arch: String?) {
        var start = v.lowerBound
        var epoch: String?
        var colon = v.lowerBound
        while colon < v.upperBound && bytes[colon] != 0x3A { colon += 1 }
        if colon < v.upperBound && colon > v.lowerBound
            && bytes[v.lowerBound..<colon].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            epoch = ParserText.string(bytes, v.lowerBound..<colon)
            start = colon + 1
        }
        var end = v.upperBound
        var release: String?
        var j = v.upperBound
        while j > start && bytes[j - 1] != 0x2D { j -= 1 }
        if j > start && j - 1 != start {
            release = ParserText.string(bytes, j..<v.upperBound)
            end = j - 1
        }
        // Each field set in place (delegating to another init builds a temporary and copies it).
        self.name = ParserText.string(bytes, name)
        self.epoch = epoch
        self.version = ParserText.string(bytes, start..<end)
        self.release = release
        self.arch = arch
        self.fullVersion = ParserText.string(bytes, v)
    }
}
