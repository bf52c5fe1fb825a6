#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses `zfs list -H [-p] -o <columns> [-t …]`.
///
/// Format (openzfs `cmd/zfs/zfs_main.c`, `print_dataset` with `-H`): one dataset per line,
/// fields in the order of `-o`, separated by exactly one TAB, no header, no padding. Values
/// may contain spaces (`org.zfsbootmenu:commandline=quiet splash ro`); `-` means "no value";
/// with `-p` numbers are exact integers and `creation` is epoch seconds.
///
/// Strict: a line whose field count differs from the column count is a `ParseError` naming
/// the line, never a shifted row. Empty lines are skipped. Runs on UTF-8 bytes in one pass.
///
/// User property values are printed raw and may hold any byte but NUL (OpenZFS only checks
/// that the value is a string shorter than `ZAP_MAXVALUELEN`, 8192 bytes), so a value may
/// contain a TAB or a newline. When the last column is the only user property, surplus TABs
/// on a line can only belong to it and are kept in its value. A newline cannot be told apart
/// from the end of a row: the short line after it is a `ParseError` naming the dataset and
/// the property to fix (Docs/DESIGN.md, "Tabs and newlines in property values").
package enum ZFSListParser {
    public static let source = "zfs list -H"

    /// `columns` is the `-o` list the caller passed (e.g. `["name","used","avail","mountpoint"]`);
    /// it must contain `name`.
    public static func parse(_ text: String, columns: [String]) throws(ParseError) -> [Dataset] {
        let table = try parseTable(text, columns: columns)
        var rows: [Dataset] = []
        rows.reserveCapacity(table.rowCount)
        for r in 0..<table.rowCount { rows.append(Dataset(table: table, row: r)) }
        return rows
    }

    /// The offsets-only form behind `parse`: one shared copy of the text plus the byte
    /// offset of every field, no per-row allocation. `parse` wraps each row in a `Dataset`.
    public static func parseTable(_ text: String, columns: [String]) throws(ParseError) -> ZFSListTable {
        guard let nameIndex = columns.firstIndex(of: "name") else {
            throw ParseError(source: source, line: 0, text: columns.joined(separator: ","),
                             reason: "the column list has no 'name'; pass the -o list used, including name")
        }
        var text = text
        text.makeContiguousUTF8()
        let columnCount = columns.count
        let userColumns = columns.filter(ZFSPropertyList.isUserProperty)
        let lastIsFreeText = userColumns.count == 1 && columns.last == userColumns.first
        let result = text.utf8.withContiguousStorageIfAvailable { buf -> Result<([Int], Int), ParseError> in
            scanOffsets(buf, columnCount: columnCount, nameIndex: nameIndex, lastIsFreeText: lastIsFreeText,
                        userColumns: userColumns)
        } ?? .failure(ParseError(source: source, line: 0, text: "", reason: "input is not contiguous UTF-8"))
        let (offsets, rowCount) = try result.get()
        return ZFSListTable(text: text, columns: columns, nameColumn: nameIndex, offsets: offsets, rowCount: rowCount)
    }

    /// Calls `body` for every row, in order, with the row's fields read in place: no table of
    /// all rows is kept (what `BEListing` streams into the inventory). Same strictness as
    /// `parseTable`; the first error, the scanner's or `body`'s, ends the scan.
    public static func forEachRow(
        _ text: String, columns: [String], _ body: (ZFSListRow) throws(ParseError) -> Void
    ) throws(ParseError) {
        guard let nameIndex = columns.firstIndex(of: "name") else {
            throw ParseError(source: source, line: 0, text: columns.joined(separator: ","),
                             reason: "the column list has no 'name'; pass the -o list used, including name")
        }
        var text = text
        text.makeContiguousUTF8()
        let userColumns = columns.filter(ZFSPropertyList.isUserProperty)
        let lastIsFreeText = userColumns.count == 1 && columns.last == userColumns.first
        let result = text.utf8.withContiguousStorageIfAvailable { buf -> Result<Int, ParseError> in
            scanRows(buf, columnCount: columns.count, nameIndex: nameIndex, lastIsFreeText: lastIsFreeText,
                     userColumns: userColumns) { (row: ZFSListRow) -> ParseError? in
                do throws(ParseError) { try body(row) } catch { return error }
                return nil
            }
        } ?? .failure(ParseError(source: source, line: 0, text: "", reason: "input is not contiguous UTF-8"))
        _ = try result.get()
    }

    /// `scanRows` into one offset table: `columnCount + 1` offsets per row.
    static func scanOffsets(_ buf: UnsafeBufferPointer<UInt8>, columnCount: Int, nameIndex: Int,
                            lastIsFreeText: Bool = false, userColumns: [String] = []) -> Result<([Int], Int), ParseError> {
        var offsets: [Int] = []
        offsets.reserveCapacity((buf.count / 48 + 1) * (columnCount + 1))
        let r = scanRows(buf, columnCount: columnCount, nameIndex: nameIndex, lastIsFreeText: lastIsFreeText,
                         userColumns: userColumns) { row in
            offsets.append(contentsOf: row.starts)
            return nil
        }
        return r.map { (offsets, $0) }
    }

    /// One pass over the bytes: for every non-empty line, the start of each field and the
    /// line end + 1, handed to `row` in one reused buffer. A line with another field count, or
    /// an empty name, is a ParseError; with `lastIsFreeText`, surplus fields are part of the
    /// last one. Returns the number of rows.
    static func scanRows(_ buf: UnsafeBufferPointer<UInt8>, columnCount: Int, nameIndex: Int,
                         lastIsFreeText: Bool = false, userColumns: [String] = [],
                         row: (ZFSListRow) -> ParseError?) -> Result<Int, ParseError> {
        guard let base = buf.baseAddress, buf.count > 0 else { return .success(0) }
        let n = buf.count
        var starts = [Int](repeating: 0, count: columnCount + 1)
        var rows = 0
        var lineStart = 0
        var lineNo = 0
        // The previous row's name, for the error about a newline inside a value.
        var prevName = 0..<0
        while lineStart < n {
            lineNo += 1
            let lineEnd: Int
            if let p = memchr(base + lineStart, 0x0A, n - lineStart) {
                lineEnd = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            } else {
                lineEnd = n
            }
            if lineEnd == lineStart {
                lineStart = lineEnd + 1
                continue
            }
            starts[0] = lineStart
            var fields = 1
            var i = lineStart
            while i < lineEnd {
                // The last column takes the rest of the line, TABs included.
                if lastIsFreeText && fields == columnCount { break }
                if let p = memchr(base + i, 0x09, lineEnd - i) {
                    let t = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                    if fields < columnCount { starts[fields] = t + 1 }
                    fields += 1
                    i = t + 1
                } else {
                    break
                }
            }
            let lineText = { String(decoding: UnsafeBufferPointer(rebasing: buf[lineStart..<lineEnd]), as: UTF8.self) }
            if fields < columnCount, rows > 0, !userColumns.isEmpty {
                // A row that ends early right after a complete one: a newline inside a value.
                let name = String(decoding: UnsafeBufferPointer(rebasing: buf[prevName]), as: UTF8.self)
                let props = userColumns.joined(separator: " or ")
                return .failure(ParseError(
                    source: source, line: lineNo, text: lineText(),
                    reason: "the value of \(props) on \(name) contains a newline, which `zfs list -H` cannot print "
                        + "unambiguously; change it (zfs set \(userColumns[0])=… \(name), or zfs inherit \(userColumns[0]) \(name))"))
            }
            guard fields == columnCount else {
                return .failure(ParseError(source: source, line: lineNo, text: lineText(),
                                           reason: "expected \(columnCount) tab-separated fields, found \(fields); was the -o column list passed to the parser the one used?"))
            }
            starts[columnCount] = lineEnd + 1
            prevName = starts[nameIndex]..<(starts[nameIndex + 1] - 1)
            if prevName.isEmpty {
                return .failure(ParseError(source: source, line: lineNo, text: lineText(), reason: "empty dataset name"))
            }
            let failure = starts.withUnsafeBufferPointer { row(ZFSListRow(buf: buf, starts: $0, index: rows, line: lineNo)) }
            if let failure { return .failure(failure) }
            rows += 1
            lineStart = lineEnd + 1
        }
        return .success(rows)
    }

    /// Like `parse`, for `zfs list -t snapshot`: every row must be a snapshot (`ds@snap`).
    public static func parseSnapshots(_ text: String, columns: [String]) throws(ParseError) -> [Snapshot] {
        let rows = try parse(text, columns: columns)
        var out: [Snapshot] = []
        out.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            guard let s = Snapshot(row) else {
                throw ParseError(source: source, line: i + 1, text: row.name,
                                 reason: "expected a snapshot name 'dataset@snapshot'")
            }
            out.append(s)
        }
        return out
    }
}

/// One row of `zfs list -H` output inside `ZFSListParser.forEachRow`: the fields are read in
/// place from the text, so a row is valid only during the call that receives it.
package struct ZFSListRow {
    let buf: UnsafeBufferPointer<UInt8>
    /// Start of each field, then the line end + 1.
    let starts: UnsafeBufferPointer<Int>
    /// 0-based among the rows (empty lines not counted).
    package let index: Int
    /// 1-based line number in the text.
    package let line: Int

    /// Bytes of one field (without the TAB or newline).
    @inline(__always)
    package func withField<R>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let start = starts[column]
        let end = starts[column + 1] - 1  // the separator that follows
        return body(UnsafeBufferPointer(rebasing: buf[start..<max(start, end)]))
    }

    package func string(_ column: Int) -> String {
        withField(column) { String(decoding: $0, as: UTF8.self) }
    }
}

/// Parses `zfs get -H [-p] [-o fields] <props> <datasets>`: `name TAB property TAB value TAB
/// source`. Only the value can contain a TAB (user properties), so surplus fields are joined
/// back into the value.
package enum ZFSGetParser {
    public static let source = "zfs get -H"
    public static let defaultFields = ["name", "property", "value", "source"]

    public static func parse(_ text: String, fields: [String] = defaultFields) throws(ParseError) -> [ZFSProperty] {
        try PropertyLines.parse(text, fields: fields, source: source)
    }

    /// Groups the lines by name (in order of first appearance) into datasets whose
    /// properties are the values got.
    public static func parseDatasets(_ text: String, fields: [String] = defaultFields) throws(ParseError) -> [Dataset] {
        let props = try parse(text, fields: fields)
        var order: [String] = []
        var byName: [String: ZFSPropertyList] = [:]
        for p in props {
            if byName[p.target] == nil {
                order.append(p.target)
                byName[p.target] = ZFSPropertyList()
            }
            byName[p.target]?.set(p.name, p.rawValue)
        }
        return order.map { Dataset(name: $0, properties: byName[$0] ?? ZFSPropertyList()) }
    }
}

/// `name TAB property TAB value TAB source` lines, shared by `zfs get` and `zpool get`.
enum PropertyLines {
    static func parse(_ text: String, fields: [String], source: String) throws(ParseError) -> [ZFSProperty] {
        let nameIdx = fields.firstIndex(of: "name")
        guard let propIdx = fields.firstIndex(of: "property") else {
            throw ParseError(source: source, line: 0, text: fields.joined(separator: ","),
                             reason: "the field list has no 'property'; pass the -o list used")
        }
        let valueIdx = fields.firstIndex(of: "value")
        let sourceIdx = fields.firstIndex(of: "source")
        var out: [ZFSProperty] = []
        var lineNo = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            if rawLine.isEmpty { continue }
            var parts = rawLine.split(separator: "\t", omittingEmptySubsequences: false)
            if parts.count > fields.count, let v = valueIdx {
                // Join the surplus back into the value: it is the only field that can hold a TAB.
                let extra = parts.count - fields.count
                let joined = parts[v...(v + extra)].joined(separator: "\t")
                parts.replaceSubrange(v...(v + extra), with: [Substring(joined)])
            }
            guard parts.count == fields.count else {
                throw ParseError(source: source, line: lineNo, text: String(rawLine),
                                 reason: "expected \(fields.count) tab-separated fields (\(fields.joined(separator: ","))), found \(parts.count)")
            }
            let prop = String(parts[propIdx])
            guard !prop.isEmpty else {
                throw ParseError(source: source, line: lineNo, text: String(rawLine), reason: "empty property name")
            }
            out.append(ZFSProperty(
                target: nameIdx.map { String(parts[$0]) } ?? "",
                name: prop,
                rawValue: valueIdx.map { String(parts[$0]) } ?? "-",
                source: sourceIdx.map { ZFSPropertySource(String(parts[$0])) } ?? .none))
        }
        return out
    }
}

/// Fast TAB/LF splitting over UTF-8 bytes for `-H` output.
enum TabularText {
    /// Calls `make` for every non-empty line with exactly `columnCount` fields; a line with
    /// another count fails with a `ParseError` naming it.
    static func parse<T>(_ text: String, columnCount: Int, source: String,
                         make: ([String], Int, () -> String) -> Result<T, ParseError>) -> Result<[T], ParseError> {
        var text = text
        text.makeContiguousUTF8()
        let r = text.utf8.withContiguousStorageIfAvailable { buf -> Result<[T], ParseError> in
            parseBytes(buf, columnCount: columnCount, source: source, make: make)
        }
        return r ?? .failure(ParseError(source: source, line: 0, text: "", reason: "input is not contiguous UTF-8"))
    }

    static func parseBytes<T>(_ buf: UnsafeBufferPointer<UInt8>, columnCount: Int, source: String,
                              make: ([String], Int, () -> String) -> Result<T, ParseError>) -> Result<[T], ParseError> {
        var rows: [T] = []
        guard let base = buf.baseAddress, buf.count > 0, columnCount > 0 else { return .success(rows) }
        let n = buf.count
        rows.reserveCapacity(n / 64)
        var lineStart = 0
        var lineNo = 0
        var values: [String] = []
        values.reserveCapacity(columnCount)
        while lineStart < n {
            lineNo += 1
            let lineEnd: Int
            if let p = memchr(base + lineStart, 0x0A, n - lineStart) {
                lineEnd = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            } else {
                lineEnd = n
            }
            defer { lineStart = lineEnd + 1 }
            if lineEnd == lineStart { continue }
            values.removeAll(keepingCapacity: true)
            var fieldStart = lineStart
            var tooMany = false
            var i = lineStart
            while i < lineEnd {
                if buf[i] == 0x09 {
                    if values.count == columnCount - 1 { tooMany = true; break }
                    values.append(String(decoding: UnsafeBufferPointer(rebasing: buf[fieldStart..<i]), as: UTF8.self))
                    fieldStart = i + 1
                }
                i += 1
            }
            let lineText = { String(decoding: UnsafeBufferPointer(rebasing: buf[lineStart..<lineEnd]), as: UTF8.self) }
            if !tooMany {
                values.append(String(decoding: UnsafeBufferPointer(rebasing: buf[fieldStart..<lineEnd]), as: UTF8.self))
            }
            if tooMany || values.count != columnCount {
                var found = 1
                for j in lineStart..<lineEnd where buf[j] == 0x09 { found += 1 }
                return .failure(ParseError(source: source, line: lineNo, text: lineText(),
                                           reason: "expected \(columnCount) tab-separated fields, found \(found); was the -o column list passed to the parser the one used?"))
            }
            switch make(values, lineNo, lineText) {
            case .success(let row): rows.append(row)
            case .failure(let e): return .failure(e)
            }
        }
        return .success(rows)
    }
}
