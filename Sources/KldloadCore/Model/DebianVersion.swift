/// dpkg's version ordering (deb-version(7)): epoch numerically, then upstream version and
/// revision with the `verrevcmp` algorithm — alternating non-digit runs (letters sort before
/// non-letters, `~` before everything, even the end of the string) and digit runs compared
/// numerically. Linear in the length of the two strings; total on any input.
public enum DebianVersion {
    /// -1, 0 or 1, as `dpkg --compare-versions a lt/eq/gt b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        let (ea, ua, ra) = parts(a)
        let (eb, ub, rb) = parts(b)
        if ea != eb { return ea < eb ? -1 : 1 }
        let u = verrevcmp(Array(ua.utf8), Array(ub.utf8))
        if u != 0 { return u }
        return verrevcmp(Array(ra.utf8), Array(rb.utf8))
    }

    private static func parts(_ s: String) -> (Int, Substring, Substring) {
        var rest = Substring(s)
        var epoch = 0
        if let colon = rest.firstIndex(of: ":") {
            epoch = Int(rest[..<colon]) ?? 0
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.lastIndex(of: "-") {
            return (epoch, rest[..<dash], rest[rest.index(after: dash)...])
        }
        return (epoch, rest, "")
    }

    private static func order(_ c: UInt8?) -> Int {
        guard let c else { return 0 }
        if c >= 0x30 && c <= 0x39 { return 0 }
        if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { return Int(c) }
        if c == 0x7E { return -1 }
        return Int(c) + 256
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0, j = 0
        while i < a.count || j < b.count {
            var firstDiff = 0
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let ac = order(i < a.count ? a[i] : nil)
                let bc = order(j < b.count ? b[j] : nil)
                if ac != bc { return ac < bc ? -1 : 1 }
                i += 1; j += 1
            }
            while i < a.count && a[i] == 0x30 { i += 1 }
            while j < b.count && b[j] == 0x30 { j += 1 }
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if firstDiff == 0 { firstDiff = Int(a[i]) - Int(b[j]) }
                i += 1; j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if firstDiff != 0 { return firstDiff < 0 ? -1 : 1 }
        }
        return 0
    }
}
