import Foundation

/// dpkg's database file `var/lib/dpkg/status` (deb822 stanzas, dpkg(1) and deb-control(5)),
/// read directly: one stanza per package, `Package:`, `Status:` (`want flag state`),
/// `Version:`, `Architecture:`, `Multi-Arch:`; continuation lines start with a space.
/// A package counts as present when its state leaves files on disk: every state except
/// `not-installed` and `config-files` (dpkg-query's `ii`, `iU`, `iF`, `iH`, `iW`, `iT`, `hi`, …).
/// Names are dpkg-query's `${binary:Package}`: `name:arch` for `Multi-Arch: same`, else `name`.
/// Linear: one pass over the bytes, only the five fields are decoded.
package enum DpkgStatusParser {
    public static let source = "var/lib/dpkg/status"

    public static func parse(_ data: Data) -> [Package] {
        var packages: [Package] = []
        packages.reserveCapacity(data.count / 1500)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var name: Substring? = nil, version: Substring? = nil, arch: Substring? = nil
            var state: Substring? = nil, multiArchSame = false
            func flush() {
                defer { name = nil; version = nil; arch = nil; state = nil; multiArchSame = false }
                guard let n = name, !n.isEmpty, let v = version, !v.isEmpty, let st = state,
                    st != "not-installed", st != "config-files"
                else { return }
                let a = arch.map(String.init)
                let key = multiArchSame && a != nil ? "\(n):\(a!)" : String(n)
                packages.append(Package(name: key, fullVersion: String(v), arch: a))
            }
            func text(_ from: Int, _ to: Int) -> Substring {
                var s = from, e = to
                while s < e && (bytes[s] == 0x20 || bytes[s] == 0x09) { s += 1 }
                while e > s && (bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 || bytes[e - 1] == 0x0D) { e -= 1 }
                return Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self))
            }
            func hasPrefix(_ p: StaticString, at i: Int, end: Int) -> Bool {
                let n = p.utf8CodeUnitCount
                guard end - i >= n else { return false }
                let pp = p.utf8Start
                for k in 0..<n where bytes[i + k] != pp[k] { return false }
                return true
            }
            var i = 0
            let count = bytes.count
            while i < count {
                var end = i
                while end < count && bytes[end] != 0x0A { end += 1 }
                let lineEnd = end > i && bytes[end - 1] == 0x0D ? end - 1 : end
                if lineEnd == i {
                    flush()  // blank line: end of stanza
                } else if bytes[i] != 0x20 && bytes[i] != 0x09 {
                    if hasPrefix("Package:", at: i, end: lineEnd) {
                        if name != nil { flush() }
                        name = text(i + 8, lineEnd)
                    } else if hasPrefix("Version:", at: i, end: lineEnd) {
                        version = text(i + 8, lineEnd)
                    } else if hasPrefix("Architecture:", at: i, end: lineEnd) {
                        arch = text(i + 13, lineEnd)
                    } else if hasPrefix("Status:", at: i, end: lineEnd) {
                        state = text(i + 7, lineEnd).split(separator: " ").last.map { Substring($0) }
                    } else if hasPrefix("Multi-Arch:", at: i, end: lineEnd) {
                        multiArchSame = text(i + 11, lineEnd) == "same"
                    }
                }
                i = end + 1
            }
            flush()
        }
        return packages
    }
}

/// pacman's local database entry `var/lib/pacman/local/NAME-VERSION/desc` (alpm's
/// be_local.c format): `%FIELD%` header lines, each followed by its values, one per line,
/// until a blank line. kbe reads `%NAME%`, `%VERSION%` (`[epoch:]pkgver-pkgrel`) and `%ARCH%`.
package enum PacmanLocalParser {
    public static let source = "var/lib/pacman/local/*/desc"

    /// nil when the entry has no `%NAME%` or `%VERSION%` (a damaged or half-written entry).
    public static func parseDesc(_ text: String) -> Package? {
        var name: String?, version: String?, arch: String?
        var field: Substring? = nil
        for line in ParserText.lines(text) {
            if line.isEmpty {
                field = nil
            } else if line.first == "%" && line.last == "%" && line.count > 1 {
                field = line
            } else if let f = field {
                switch f {
                case "%NAME%": if name == nil { name = String(line) }
                case "%VERSION%": if version == nil { version = String(line) }
                case "%ARCH%": if arch == nil { arch = String(line) }
                default: break
                }
            }
        }
        guard let name, !name.isEmpty, let version, !version.isEmpty else { return nil }
        return Package(name: name, fullVersion: version, arch: arch)
    }
}
