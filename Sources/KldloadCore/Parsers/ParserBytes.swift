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
    @discardableResult
    static func words(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Range<Int>]) -> Int {
        out.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            while i < end && isSpaceOrTab(bytes[i]) { i += 1 }
            guard i < end else { break }
            let start = i
            while i < end && !isSpaceOrTab(bytes[i]) { i += 1 }
            out.append(start..<i)
        }
        return out.count
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
    /// one for a last line without one), so its result array is reserved once.
    static func lineFeeds(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { buf in
            // Eight bytes at a time (the compiler does not vectorize a byte loop here): in
            // `x = word ^ 0x0A…`, `~(((x & 0x7F…) + 0x7F…) | x | 0x7F…)` has 0x80 exactly in the
            // bytes that were LF (no carry crosses a byte); the multiply sums those bits.
            guard let base = buf.baseAddress else { return 0 }
            let n = buf.count
            let lf: UInt64 = 0x0A0A_0A0A_0A0A_0A0A, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            var count = 0
            var i = 0
            while i + 8 <= n {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) ^ lf
                let found = ~(((x & low7) &+ low7) | x | low7)
                count &+= Int(truncatingIfNeeded: ((found >> 7) &* 0x0101_0101_0101_0101) >> 56)
                i += 8
            }
            while i < n {
                if base[i] == 0x0A { count += 1 }
                i += 1
            }
            return count
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
