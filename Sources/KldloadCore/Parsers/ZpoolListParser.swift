/// Parses `zpool list -H [-p] [-o columns]`.
///
/// Format (openzfs `cmd/zpool/zpool_main.c`, `print_pool` with `-H`): one pool per line,
/// fields in `-o` order separated by one TAB. With `-p`: exact byte counts, `fragmentation`
/// and `capacity` without `%`, `dedupratio` without `x`; `-` for no value
/// (`expandsize`, `checkpoint`, `altroot`). A field-count mismatch is a `ParseError`.
package enum ZpoolListParser {
    public static let source = "zpool list -H"

    /// The default column set of OpenZFS 0.8 and later (`zpool list` without `-o`).
    public static let defaultColumns = ["name", "size", "allocated", "free", "checkpoint", "expandsize",
                                        "fragmentation", "capacity", "dedupratio", "health", "altroot"]
    /// The default column set of ZFS on Linux 0.7 (no `checkpoint`).
    public static let defaultColumns07 = ["name", "size", "allocated", "free", "expandsize",
                                          "fragmentation", "capacity", "dedupratio", "health", "altroot"]

    public static func parse(_ text: String, columns: [String] = defaultColumns) throws(ParseError) -> [PoolListEntry] {
        guard let nameIndex = columns.firstIndex(of: "name") else {
            throw ParseError(source: source, line: 0, text: columns.joined(separator: ","),
                             reason: "the column list has no 'name'; pass the -o list used, including name")
        }
        let result = TabularText.parse(text, columnCount: columns.count, source: source) {
            (values: [String], line: Int, lineText: () -> String) -> Result<PoolListEntry, ParseError> in
            let name = values[nameIndex]
            if name.isEmpty {
                return .failure(ParseError(source: source, line: line, text: lineText(), reason: "empty pool name"))
            }
            return .success(PoolListEntry(name: name, properties: ZFSPropertyList(names: columns, values: values)))
        }
        return try result.get()
    }
}

/// Parses `zpool get -H [-p] [-o fields] <props> [pools]`: `name TAB property TAB value TAB source`
/// (values like `-`; `bootfs`, `health`, `free`, `size`, `feature@…`).
package enum ZpoolGetParser {
    public static let source = "zpool get -H"

    public static func parse(_ text: String, fields: [String] = ZFSGetParser.defaultFields) throws(ParseError) -> [ZFSProperty] {
        try PropertyLines.parse(text, fields: fields, source: source)
    }

    /// One property of one pool, or nil when absent or `-`.
    public static func value(_ property: String, pool: String, in props: [ZFSProperty]) -> String? {
        props.first { $0.target == pool && $0.name == property }?.value
    }
}
