import Foundation

/// Where a property's value comes from: the SOURCE column of `zfs get` / `zpool get`
/// (`zprop_source_t` printed by `zprop_print_one_property` in libzfs).
public enum ZFSPropertySource: Sendable, Hashable, Codable, CustomStringConvertible {
    case local
    case `default`
    case inherited(from: String)
    case temporary
    case received
    /// `-`: the property has no source (read-only statistics, unset user properties).
    case none
    case unknown(String)

    public init(_ text: String) {
        switch text {
        case "local": self = .local
        case "default": self = .default
        case "temporary": self = .temporary
        case "received": self = .received
        case "-", "": self = .none
        default:
            if text.hasPrefix("inherited from ") {
                self = .inherited(from: String(text.dropFirst("inherited from ".count)))
            } else {
                self = .unknown(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .local: return "local"
        case .default: return "default"
        case .inherited(let from): return "inherited from \(from)"
        case .temporary: return "temporary"
        case .received: return "received"
        case .none: return "-"
        case .unknown(let s): return s
        }
    }
}

/// One line of `zfs get -Hp` or `zpool get -Hp`: the dataset or pool it belongs to, the
/// property name, the value exactly as printed, and where the value comes from.
public struct ZFSProperty: Sendable, Hashable, Codable {
    /// Dataset, snapshot or pool name (the NAME column).
    public var target: String
    /// Property name as printed (`used`, `org.zfsbootmenu:commandline`, `feature@async_destroy`).
    public var name: String
    /// Value as printed; `-` is kept here.
    public var rawValue: String
    public var source: ZFSPropertySource

    public init(target: String, name: String, rawValue: String, source: ZFSPropertySource) {
        self.target = target
        self.name = name
        self.rawValue = rawValue
        self.source = source
    }

    /// The value, or nil when ZFS printed `-` (no value).
    public var value: String? { rawValue == "-" ? nil : rawValue }

    /// True for user properties (`module:property`, e.g. `org.zfsbootmenu:commandline`).
    public var isUserProperty: Bool { ZFSPropertyList.isUserProperty(name) }
}

/// Properties of one dataset or pool, stored in column order next to a column list that
/// all rows of one parse share (copy-on-write, so a million rows hold one column array).
/// Look-ups accept the short aliases ZFS accepts (`avail`, `refer`, `alloc`, `cap`…).
public struct ZFSPropertyList: Sendable, Hashable, Codable, Sequence {
    public private(set) var names: [String]
    public private(set) var values: [String]

    public init(names: [String], values: [String]) {
        precondition(names.count == values.count, "one value per property name")
        self.names = names
        self.values = values
    }

    public init() {
        self.names = []
        self.values = []
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// The raw value for a property (`-` included), by full name or alias.
    public subscript(name: String) -> String? {
        if let i = names.firstIndex(of: name) { return values[i] }
        let canonical = ZFSPropertyList.canonicalName(name)
        for (i, n) in names.enumerated() where ZFSPropertyList.canonicalName(n) == canonical {
            return values[i]
        }
        return nil
    }

    /// The value with `-` mapped to nil.
    public func value(_ name: String) -> String? {
        guard let v = self[name], v != "-" else { return nil }
        return v
    }

    /// A number: exact with `-p`, approximate for human sizes (`1.5G`), nil for `-` or text.
    public func number(_ name: String) -> UInt64? {
        guard let v = value(name) else { return nil }
        if let n = parseExactUInt64(v) { return n }
        return NiceNumber.parse(v)?.value
    }

    public mutating func set(_ name: String, _ value: String) {
        if let i = names.firstIndex(of: name) {
            values[i] = value
        } else {
            names.append(name)
            values.append(value)
        }
    }

    public var dictionary: [String: String] {
        var d: [String: String] = [:]
        for (n, v) in zip(names, values) { d[n] = v }
        return d
    }

    public func makeIterator() -> Zip2Sequence<[String], [String]>.Iterator {
        zip(names, values).makeIterator()
    }

    /// Encoded as a JSON object `{"used": "123", ...}`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(dictionary)
    }

    public init(from decoder: Decoder) throws {
        let d = try decoder.singleValueContainer().decode([String: String].self)
        let keys = d.keys.sorted()
        self.names = keys
        self.values = keys.map { d[$0] ?? "-" }
    }

    /// Full property name for the abbreviations `zfs`/`zpool` accept on the command line.
    public static func canonicalName(_ name: String) -> String {
        switch name {
        case "avail": return "available"
        case "refer": return "referenced"
        case "reservation": return "reservation"
        case "refreserv": return "refreservation"
        case "compress": return "compression"
        case "recsize": return "recordsize"
        case "volsize": return "volsize"
        case "usedsnap": return "usedbysnapshots"
        case "usedds": return "usedbydataset"
        case "usedchild": return "usedbychildren"
        case "usedrefreserv": return "usedbyrefreservation"
        case "lrefer": return "logicalreferenced"
        case "lused": return "logicalused"
        case "alloc": return "allocated"
        case "cap": return "capacity"
        case "frag": return "fragmentation"
        case "dedup": return "dedupratio"
        case "ckpoint": return "checkpoint"
        case "expandsz": return "expandsize"
        case "ratio": return "compressratio"
        case "refratio": return "refcompressratio"
        default: return name
        }
    }

    /// User properties contain a colon (`module:property`); native ones never do.
    public static func isUserProperty(_ name: String) -> Bool { name.contains(":") }
}
