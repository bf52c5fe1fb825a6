import Foundation

/// The `type` property of a dataset.
public enum DatasetType: Sendable, Hashable, Codable, CustomStringConvertible {
    case filesystem
    case volume
    case snapshot
    case bookmark
    case unknown(String)

    public init(_ text: String) {
        switch text {
        case "filesystem": self = .filesystem
        case "volume": self = .volume
        case "snapshot": self = .snapshot
        case "bookmark": self = .bookmark
        default: self = .unknown(text)
        }
    }

    public var description: String {
        switch self {
        case .filesystem: return "filesystem"
        case .volume: return "volume"
        case .snapshot: return "snapshot"
        case .bookmark: return "bookmark"
        case .unknown(let s): return s
        }
    }
}

/// One row of `zfs list -Hp -o …` (or all `zfs get -Hp` lines of one name): a dataset,
/// snapshot or bookmark with the properties that were asked for. Values are kept as printed
/// and converted on access, so parsing a million rows allocates little.
public struct Dataset: Sendable, Hashable, Codable {
    /// Full name: `rpool/ROOT/debian`, `rpool/ROOT/debian@before-upgrade`, `pool/fs#mark`.
    public var name: String
    public var properties: ZFSPropertyList

    public init(name: String, properties: ZFSPropertyList = ZFSPropertyList()) {
        self.name = name
        self.properties = properties
    }

    /// From the `type` column when it was asked for; otherwise snapshot/bookmark by the
    /// `@`/`#` in the name, and nil when the name alone cannot tell filesystem from volume.
    public var type: DatasetType? {
        if let t = properties.value("type") { return DatasetType(t) }
        if name.utf8.contains(UInt8(ascii: "@")) { return .snapshot }
        if name.utf8.contains(UInt8(ascii: "#")) { return .bookmark }
        return nil
    }

    /// The pool: the name up to the first `/`, `@` or `#`.
    public var pool: String {
        String(name.prefix { $0 != "/" && $0 != "@" && $0 != "#" })
    }

    /// The dataset this one lives in: for `a/b/c` that is `a/b`; for a snapshot or bookmark
    /// `a/b@s` it is `a/b`; nil for a pool's root dataset.
    public var parent: String? {
        if let at = name.firstIndex(where: { $0 == "@" || $0 == "#" }) {
            return String(name[..<at])
        }
        guard let slash = name.lastIndex(of: "/") else { return nil }
        return String(name[..<slash])
    }

    /// The property value as printed (nil when absent or `-`).
    public subscript(property: String) -> String? { properties.value(property) }

    public var used: UInt64? { properties.number("used") }
    public var available: UInt64? { properties.number("available") }
    public var referenced: UInt64? { properties.number("referenced") }
    /// `mountpoint`: a path, `legacy`, `none`, or nil (`-` for volumes and snapshots).
    public var mountpoint: String? { properties.value("mountpoint") }
    /// `canmount`: `on`, `off`, `noauto`.
    public var canmount: String? { properties.value("canmount") }
    /// `origin` of a clone (`pool/fs@snap`), nil when not a clone.
    public var origin: String? { properties.value("origin") }
    /// `creation`: epoch seconds with `-p`. Nil when not asked for or not numeric (human
    /// form without `-p` is not converted).
    public var creation: Date? {
        guard let v = properties.value("creation"), let secs = parseExactUInt64(v) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(secs))
    }

    /// A user property such as `org.zfsbootmenu:commandline`; nil when unset (`-`).
    public func userProperty(_ name: String) -> String? { properties.value(name) }

    /// All user properties present (name contains `:`), including unset ones as `-`.
    public var userProperties: [String: String] {
        var d: [String: String] = [:]
        for (n, v) in properties where ZFSPropertyList.isUserProperty(n) { d[n] = v }
        return d
    }
}
