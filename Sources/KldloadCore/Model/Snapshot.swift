import Foundation

/// A snapshot: the dataset it belongs to and its own short name. `fullName` is `ds@snap`.
public struct Snapshot: Sendable, Hashable, Codable {
    public var dataset: String
    public var name: String
    public var properties: ZFSPropertyList

    public init(dataset: String, name: String, properties: ZFSPropertyList = ZFSPropertyList()) {
        self.dataset = dataset
        self.name = name
        self.properties = properties
    }

    /// A snapshot from a parsed row; nil when the row's name has no `@` or an empty side.
    public init?(_ row: Dataset) {
        guard let at = row.name.firstIndex(of: "@") else { return nil }
        let ds = row.name[..<at]
        let snap = row.name[row.name.index(after: at)...]
        guard !ds.isEmpty, !snap.isEmpty else { return nil }
        self.init(dataset: String(ds), name: String(snap), properties: row.properties)
    }

    public var fullName: String { dataset + "@" + name }

    public var pool: String { String(dataset.prefix { $0 != "/" }) }

    public var used: UInt64? { properties.number("used") }
    public var referenced: UInt64? { properties.number("referenced") }
    public var creation: Date? { Dataset(name: fullName, properties: properties).creation }
    public subscript(property: String) -> String? { properties.value(property) }
}
