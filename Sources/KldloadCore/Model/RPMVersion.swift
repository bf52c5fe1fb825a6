/// rpm's version ordering, written from rpm's documented algorithm (rpmio/rpmvercmp.c and
/// rpmverCmp in lib/rpmver.c, rpm 4.16+): `[epoch:]version[-release]`, epoch compared first
/// (missing = 0), then version, then release (a missing release compares as empty, so `1.0`
/// sorts before `1.0-1`, as the captured `rpm.vercmp` answers show). Each part is
/// compared with `rpmvercmp`: separators (anything but ASCII letters, digits, `~` and `^`) are
/// skipped; `~` sorts before everything, even the end; `^` sorts after the end but before
/// anything else; digit runs compare numerically (leading zeros ignored) and beat letter runs.
/// Linear in the length of the two strings; total on any input. Checked against real
/// `rpm.vercmp` answers (Fixtures/vercmp/rpm).
public enum RPMVersion {
    /// -1, 0 or 1, as rpm's `rpm.vercmp(a, b)`.
    public static func compare(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let x = parse(Array(a.utf8)), y = parse(Array(b.utf8))
        var rc = VersionSegments.rpmvercmp(x.epoch ?? [0x30], y.epoch ?? [0x30], tildeCaret: true)
        if rc == 0 {
            rc = VersionSegments.rpmvercmp(x.version, y.version, tildeCaret: true)
            // rpm 4.18's rpm.vercmp compares a missing release as empty (`1.0` < `1.0-1`, as
            // captured); installed packages always have one.
            if rc == 0 { rc = VersionSegments.rpmvercmp(x.release ?? [], y.release ?? [], tildeCaret: true) }
        }
        return rc
    }

    /// rpmverParse: leading digits followed by `:` are the epoch (an empty one is `0`); the
    /// release follows the last `-` after them.
    static func parse(_ s: [UInt8]) -> (epoch: [UInt8]?, version: [UInt8], release: [UInt8]?) {
        var i = 0
        while i < s.count && VersionSegments.isDigit(s[i]) { i += 1 }
        var epoch: [UInt8]? = nil
        var versionStart = 0
        if i < s.count && s[i] == 0x3A {
            epoch = i == 0 ? [0x30] : Array(s[0..<i])
            versionStart = i + 1
        }
        var dash: Int? = nil
        var k = s.count - 1
        while k >= i {
            if s[k] == 0x2D { dash = k; break }
            k -= 1
        }
        if let dash, dash >= versionStart {
            return (epoch, Array(s[versionStart..<dash]), Array(s[(dash + 1)...]))
        }
        return (epoch, Array(s[versionStart...]), nil)
    }
}

/// pacman's version ordering, written from libalpm's documented algorithm (lib/libalpm/version.c,
/// `alpm_pkg_vercmp`): `[epoch:]pkgver[-pkgrel]`, epoch first (missing = 0), then pkgver, then
/// pkgrel only when both sides have one, each with pacman's own `rpmvercmp` — like rpm's but
/// without `~`/`^`, where separator runs of different length decide (the longer one is newer),
/// and where at the end a remaining letter run is older than nothing. Linear; total on any input.
/// Checked against real `vercmp` answers (Fixtures/vercmp/pacman).
public enum PacmanVersion {
    /// -1, 0 or 1, as pacman's `vercmp a b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let x = parse(Array(a.utf8)), y = parse(Array(b.utf8))
        var rc = VersionSegments.rpmvercmp(x.epoch, y.epoch, tildeCaret: false)
        if rc == 0 {
            rc = VersionSegments.rpmvercmp(x.version, y.version, tildeCaret: false)
            if rc == 0, let rx = x.release, let ry = y.release {
                rc = VersionSegments.rpmvercmp(rx, ry, tildeCaret: false)
            }
        }
        return rc
    }

    /// parseEVR: like rpm's, but a version without an epoch always has epoch `0`.
    static func parse(_ s: [UInt8]) -> (epoch: [UInt8], version: [UInt8], release: [UInt8]?) {
        let p = RPMVersion.parse(s)
        return (p.epoch ?? [0x30], p.version, p.release)
    }
}

/// The segment comparison rpm and pacman share (`rpmvercmp`), on bytes, ASCII classes only
/// (both programs compare in the C locale).
enum VersionSegments {
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }

    /// `tildeCaret`: rpm's rules (`~` and `^` are special, leftovers decide); otherwise
    /// pacman's (separator lengths decide, a trailing letter run is older than nothing).
    static func rpmvercmp(_ a: [UInt8], _ b: [UInt8], tildeCaret: Bool) -> Int {
        if a == b { return 0 }
        let n = a.count, m = b.count
        var one = 0, two = 0
        var prev1 = 0, prev2 = 0  // pacman: end of the previous segment
        func at(_ s: [UInt8], _ i: Int) -> UInt8 { i < s.count ? s[i] : 0 }
        while tildeCaret ? (one < n || two < m) : (one < n && two < m) {
            if tildeCaret {
                while one < n && !isAlnum(a[one]) && a[one] != 0x7E && a[one] != 0x5E { one += 1 }
                while two < m && !isAlnum(b[two]) && b[two] != 0x7E && b[two] != 0x5E { two += 1 }
                let c1 = at(a, one), c2 = at(b, two)
                if c1 == 0x7E || c2 == 0x7E {
                    if c1 != 0x7E { return 1 }
                    if c2 != 0x7E { return -1 }
                    one += 1; two += 1
                    continue
                }
                if c1 == 0x5E || c2 == 0x5E {
                    if one >= n { return -1 }
                    if two >= m { return 1 }
                    if c1 != 0x5E { return 1 }
                    if c2 != 0x5E { return -1 }
                    one += 1; two += 1
                    continue
                }
                if !(one < n && two < m) { break }
            } else {
                while one < n && !isAlnum(a[one]) { one += 1 }
                while two < m && !isAlnum(b[two]) { two += 1 }
                if !(one < n && two < m) { break }
                if one - prev1 != two - prev2 { return one - prev1 < two - prev2 ? -1 : 1 }
            }
            var end1 = one, end2 = two
            let isNum = isDigit(a[one])
            if isNum {
                while end1 < n && isDigit(a[end1]) { end1 += 1 }
                while end2 < m && isDigit(b[end2]) { end2 += 1 }
            } else {
                while end1 < n && isAlpha(a[end1]) { end1 += 1 }
                while end2 < m && isAlpha(b[end2]) { end2 += 1 }
            }
            // A segment of the other kind on the right: numbers are newer than letters.
            if two == end2 { return isNum ? 1 : -1 }
            var s1 = one, s2 = two
            if isNum {
                while s1 < end1 && a[s1] == 0x30 { s1 += 1 }
                while s2 < end2 && b[s2] == 0x30 { s2 += 1 }
                let l1 = end1 - s1, l2 = end2 - s2
                if l1 != l2 { return l1 > l2 ? 1 : -1 }
            }
            // strcmp of the two segments
            while s1 < end1 && s2 < end2 {
                if a[s1] != b[s2] { return a[s1] < b[s2] ? -1 : 1 }
                s1 += 1; s2 += 1
            }
            if s1 < end1 { return 1 }
            if s2 < end2 { return -1 }
            one = end1; two = end2
            prev1 = end1; prev2 = end2
        }
        if one >= n && two >= m { return 0 }
        if tildeCaret { return one >= n ? -1 : 1 }
        // pacman: "we never want a remaining alpha string to beat an empty string"
        if (one >= n && !isAlpha(at(b, two))) || (one < n && isAlpha(a[one])) { return -1 }
        return 1
    }
}
