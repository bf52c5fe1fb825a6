import Foundation

/// A JSON value with object members kept **in document order**. OpenZFS prints its JSON from
/// nvlists, whose order is the order of the pool's datasets and vdevs; Foundation's
/// `JSONSerialization` returns unordered dictionaries, so the tree order of `zpool status -j`
/// would be lost. Numbers keep their literal text (`--json-int` sizes are exact 64-bit integers).
package indirect enum JSONValue: Sendable, Hashable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The first member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var members: [JSONMember] {
        if case .object(let m) = self { return m }
        return []
    }

    /// A string as is, a number as its literal text, a bool as `true`/`false`.
    public var text: String? {
        switch self {
        case .string(let s), .number(let s): return s
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// An unsigned integer given as a number or as a string of digits.
    public var uint64: UInt64? { text.flatMap { UInt64($0) } }
}

package struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue
}

/// A small JSON reader (RFC 8259): one pass over the UTF-8 bytes, linear time, nesting limited
/// to `maxDepth`, every malformed input a `ParseError` naming the byte offset.
package enum JSONScanner {
    public static let maxDepth = 64

    public static func parse(_ text: String, source: String) throws(ParseError) -> JSONValue {
        try scan(text, source: source) { (scanner: inout Scanner) throws(ParseError) -> JSONValue in
            scanner.skipSpace()
            let value = try scanner.value(depth: 0)
            scanner.skipSpace()
            guard scanner.i == scanner.bytes.count else { throw scanner.fail("text after the JSON value") }
            return value
        }
    }

    /// Runs `body` with a scanner over the UTF-8 bytes of `text`, in place (no copy of the text).
    static func scan<R>(_ text: String, source: String,
                        _ body: (inout Scanner) throws(ParseError) -> R) throws(ParseError) -> R {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<R, ParseError> {
            var scanner = Scanner(bytes: buffer, source: source)
            do throws(ParseError) { return .success(try body(&scanner)) } catch { return .failure(error) }
        }
        if let r = text.utf8.withContiguousStorageIfAvailable(run) { return try r.get() }
        return try Array(text.utf8).withUnsafeBufferPointer(run).get()
    }

    struct Scanner {
        /// The text's bytes; valid only inside `JSONScanner.scan`.
        let bytes: UnsafeBufferPointer<UInt8>
        let source: String
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
            self.bytes = bytes
            self.source = source
        }

        func fail(_ reason: String) -> ParseError {
            let end = min(bytes.count, i + 40)
            let near = String(decoding: bytes[min(i, bytes.count)..<end], as: UTF8.self)
            return ParseError(source: source, line: 0, text: near, reason: "\(reason) at byte \(i)")
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < JSONScanner.maxDepth else { throw fail("JSON nested deeper than \(JSONScanner.maxDepth) levels") }
            guard i < bytes.count else { throw fail("JSON ends where a value was expected") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [JSONMember] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("object key expected") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("':' expected after an object key") }
                    i += 1
                    skipSpace()
                    members.append(JSONMember(key: key, value: try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw fail("JSON ends inside an object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    throw fail("',' or '}' expected in an object")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("JSON ends inside an array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("',' or ']' expected in an array")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true"); return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false"); return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null"); return .null
            default:
                return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws(ParseError) {
            let n = word.utf8CodeUnitCount
            let same = word.withUTF8Buffer { w in i + n <= bytes.count && bytes[i..<i + n].elementsEqual(w) }
            guard same else { throw fail("unknown literal") }
            i += n
        }

        mutating func number() throws(ParseError) -> String {
            let start = i
            try skipNumber()
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        /// Moves past a number, checking it as `number()` does.
        mutating func skipNumber() throws(ParseError) {
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            let intStart = i
            while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            guard i > intStart else { throw fail("a JSON value was expected") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                let f = i
                while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
                guard i > f else { throw fail("digits expected after '.'") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                let e = i
                while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
                guard i > e else { throw fail("digits expected in an exponent") }
            }
        }

        /// A string starting at the opening quote; escapes decoded, `\u` surrogate pairs joined.
        mutating func string() throws(ParseError) -> String {
            i += 1
            // Most strings have no escape: one String straight from the bytes.
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: bytes[start..<i - 1], as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { break }
                i += 1
            }
            var out: [UInt8] = []
            var runStart = start
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    out.append(contentsOf: bytes[runStart..<i])
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b < 0x20 { throw fail("control character inside a string") }
                if b != UInt8(ascii: "\\") { i += 1; continue }
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00, i + 1 < bytes.count,
                       bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        if low >= 0xDC00 && low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw fail("unknown escape in a string")
                }
                runStart = i
            }
            throw fail("JSON ends inside a string")
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("\\u needs four hex digits") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: throw fail("\\u needs four hex digits")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}

/// OpenZFS 2.3's JSON output (`-j --json-int`) read into the same model values as the text
/// parsers produce for the same state (`zfs list -Hp`, `zfs get -Hp`, `zpool get -Hp`,
/// `zpool status`). Objects as printed by `zfs_main.c`/`zpool_main.c` of 2.3:
///
/// ```
/// zfs list -j:  {"output_version": {...}, "datasets": {"rpool/ROOT": {"name", "type", "pool",
///                "createtxg", "properties": {"used": {"value": 123, "source": {"type": "NONE",
///                "data": "-"}}, ...}}}}
/// zfs get -j / zpool get -j: the same, under "datasets" or "pools".
/// zpool status -j: {"pools": {"rpool": {"name", "state", "error_count", "vdevs": {"rpool":
///                {"vdev_type": "root", "state", "read_errors", ..., "vdevs": {...}}}, "logs",
///                "l2cache", "spares", "special", "dedup", "scan_stats"}}}
/// ```
package enum ZFSJSONParser {
    public static let source = "zfs/zpool -j"

    /// The objects under `datasets` (zfs) or `pools` (zpool), in output order.
    static func entries(_ root: JSONValue, key: String) throws(ParseError) -> [JSONMember] {
        guard let v = root[key] else {
            throw ParseError(source: source, line: 0, text: "", reason: "no \"\(key)\" object; is this `-j` output of OpenZFS 2.3 or later?")
        }
        guard case .object(let m) = v else {
            throw ParseError(source: source, line: 0, text: "", reason: "\"\(key)\" is not an object")
        }
        return m
    }

    /// The value as `-Hp` prints it: numbers as their digits, strings as they are.
    static func printed(_ v: JSONValue?) -> String {
        v?.text ?? "-"
    }

    static func propertySource(_ v: JSONValue?) -> ZFSPropertySource {
        guard let type = v?["type"]?.text else { return .none }
        switch type {
        case "NONE": return .none
        case "DEFAULT": return .default
        case "LOCAL": return .local
        case "TEMPORARY": return .temporary
        case "RECEIVED": return .received
        case "INHERITED": return .inherited(from: v?["data"]?.text ?? "-")
        default: return .unknown(type)
        }
    }

    /// `zfs list -j --json-int -o COLUMNS …` → the datasets `ZFSListParser.parse(_:columns:)`
    /// gives for `zfs list -Hp -o COLUMNS …` of the same state.
    public static func datasets(_ text: String, columns: [String]) throws(ParseError) -> [Dataset] {
        var out: [Dataset] = []
        try ZFSListJSONParser.forEachDataset(text, columns: columns.map(ZFSPropertyList.canonicalName)) {
            (_: Int, name: String, values: [String]) throws(ParseError) in
            out.append(Dataset(name: name, properties: ZFSPropertyList(names: columns, values: values)))
        }
        return out
    }

    /// Like `datasets`, for `zfs list -j -t snapshot`: every entry must be a snapshot
    /// (`ds@snap`), as `ZFSListParser.parseSnapshots` requires of the text.
    public static func snapshots(_ text: String, columns: [String]) throws(ParseError) -> [Snapshot] {
        var out: [Snapshot] = []
        for (i, d) in try datasets(text, columns: columns).enumerated() {
            guard let s = Snapshot(d) else {
                throw ParseError(source: source, line: i + 1, text: d.name, reason: "expected a snapshot name 'dataset@snapshot'")
            }
            out.append(s)
        }
        return out
    }

    /// `zfs get -j --json-int …` or `zpool get -j --json-int …` → the properties
    /// `ZFSGetParser.parse` / `ZpoolGetParser.parse` give for `-Hp` of the same state.
    /// One known difference, from OpenZFS 2.3.9 itself: with `--json-int` a property value of
    /// 2^63 or more (a `load_guid`) is read with `sscanf("%lld")` and printed as
    /// 9223372036854775807; `-Hp` prints it exactly.
    public static func properties(_ text: String) throws(ParseError) -> [ZFSProperty] {
        let root = try JSONScanner.parse(text, source: source)
        let key = root["pools"] != nil ? "pools" : "datasets"
        var out: [ZFSProperty] = []
        for entry in try entries(root, key: key) {
            let target = entry.value["name"]?.text ?? entry.key
            for p in entry.value["properties"]?.members ?? [] {
                out.append(ZFSProperty(target: target, name: p.key, rawValue: printed(p.value["value"]),
                                       source: propertySource(p.value["source"])))
            }
        }
        return out
    }

    /// `zpool status -j --json-int [pool…]` → the report `ZpoolStatusParser.parse` gives for the
    /// text of the same state, for what JSON carries: pools, states, the vdev tree with its error
    /// counters, the logs/cache/spares/special/dedup groups, the data error count and the scan's
    /// kind, state and errors, and the status/action sentences. Not in JSON: the scan's printed
    /// sentence (`ScanStatus.text` stays empty) and the vdev annotations (`(resilvering)`,
    /// `was …`), so those stay nil; `slow_ios`, which JSON always carries for
    /// leaves, is left out like the text without `-s`.
    public static func zpoolStatus(_ text: String) throws(ParseError) -> ZpoolStatusReport {
        let root = try JSONScanner.parse(text, source: source)
        var pools: [PoolStatus] = []
        for entry in try entries(root, key: "pools") {
            let p = entry.value
            let name = p["name"]?.text ?? entry.key
            var pool = PoolStatus(name: name, state: PoolState(p["state"]?.text ?? "UNKNOWN"))
            pool.status = sentence(p["status"]?.text)
            pool.action = sentence(p["action"]?.text)
            pool.see = p["moreinfo"]?.text
            if let top = p["vdevs"]?.members.first {
                var r = vdev(top.value, name: top.key, depth: 0)
                r.kind = .pool
                pool.root = r
            }
            let groupKeys: [(String, VDevGroup)] = [("dedup", .dedup), ("special", .special), ("logs", .logs),
                                                     ("l2cache", .cache), ("spares", .spares)]
            for (key, group) in groupKeys {
                guard let g = p[key] else { continue }
                pool.groups.append(VDevGroupSection(group: group, vdevs: g.members.map { vdev($0.value, name: $0.key, depth: 1) }))
            }
            if let scan = p["scan_stats"] { pool.scans = scans(scan) }
            if let errlist = p["errlist"], case .array(let files) = errlist {
                pool.errors = .files(files.compactMap(\.text))
            } else if let n = p["error_count"]?.uint64 {
                pool.errors = n == 0 ? PoolDataErrors.none : .count(n)
            }
            pools.append(pool)
        }
        return ZpoolStatusReport(pools: pools, message: pools.isEmpty ? .noPoolsAvailable : nil)
    }

    /// `status`/`action` as the text parser gives them: JSON carries the sentence with the
    /// line breaks and TABs the text prints (`"…offline by the administrator.\n\tSufficient…\n"`);
    /// the lines, trimmed, joined with one space.
    static func sentence(_ text: String?) -> String? {
        guard let text else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { ZpoolStatusParser.trimWhitespace($0) }.filter { !$0.isEmpty }
        return lines.isEmpty ? nil : lines.map(String.init).joined(separator: " ")
    }

    /// The state `zpool status` prints for a vdev (`zpool_state_to_name`): JSON gives the raw
    /// `vdev_state_str` (`CANT_OPEN`, `CLOSED`) and the aux reason separately.
    static func vdevState(_ v: JSONValue) -> VDevState {
        let state = v["state"]?.text ?? "UNKNOWN"
        switch state {
        case "CANT_OPEN", "CLOSED":
            switch v["aux"]?.text {
            case "CORRUPT_DATA", "BAD_LOG": return .faulted
            case "SPLIT_POOL": return .split
            default: return .unavail
            }
        default:
            return VDevState(word: state) ?? .unknown(state)
        }
    }

    static func vdev(_ v: JSONValue, name: String, depth: Int) -> VDev {
        let vname = v["name"]?.text ?? name
        var node = VDev(name: vname, kind: VDevKind.classify(vname), state: vdevState(v),
                        readErrors: v["read_errors"]?.text.flatMap { NiceNumber.parse($0) },
                        writeErrors: v["write_errors"]?.text.flatMap { NiceNumber.parse($0) },
                        checksumErrors: v["checksum_errors"]?.text.flatMap { NiceNumber.parse($0) })
        if v["vdev_type"]?.text == "file" { node.kind = .file }
        // Bounded by JSONScanner.maxDepth, so this recursion is too.
        node.children = (v["vdevs"]?.members ?? []).map { vdev($0.value, name: $0.key, depth: depth + 1) }
        return node
    }

    /// `scan_stats`: the scrub or error scrub, then the resilver or the per-vdev sequential
    /// resilvers (`rebuild_stats`), chosen and ordered as `print_scan_status` in
    /// `zpool_main.c` (2.3) prints them as `scan:` lines.
    static func scans(_ s: JSONValue) -> [ScanStatus] {
        func state(_ text: String?, paused: Bool) -> ScanState {
            switch text {
            case "FINISHED", "COMPLETE": return .finished
            case "CANCELED": return .canceled
            case "SCANNING", "ACTIVE", "ERRORSCRUBBING": return paused ? .paused : .inProgress
            case "NONE", nil: return .noneRequested
            default: return .unknown
            }
        }
        func scan(_ kind: ScanKind, _ st: ScanState, errors: UInt64?) -> ScanStatus {
            var r = ScanStatus(kind: kind, state: st, text: "")
            if st == .finished { r.errors = errors }
            return r
        }
        var out: [ScanStatus] = []
        let function = s["function"]?.text
        let poolState = state(s["state"]?.text, paused: (s["scrub_pause"]?.uint64 ?? 0) != 0)
        let scrubStart = s["start_time"]?.uint64 ?? 0
        let errorScrubStart = s["err_scrub_start_time"]?.uint64 ?? 0
        if function == "SCRUB" && scrubStart > errorScrubStart {
            out.append(scan(.scrub, poolState, errors: s["errors"]?.uint64))
        } else if s["err_scrub_func"]?.text == "ERRORSCRUB" && errorScrubStart >= scrubStart {
            let paused = (s["err_scrub_pause"]?.uint64 ?? 0) != 0
            out.append(scan(.errorScrub, state(s["err_scrub_state"]?.text, paused: paused), errors: nil))
        }
        let rebuilds = (s["rebuild_stats"]?.members ?? []).filter { ($0.value["state"]?.text ?? "NONE") != "NONE" }
        let activeRebuild = rebuilds.contains { $0.value["state"]?.text == "ACTIVE" }
        let rebuildEnd = rebuilds.compactMap { $0.value["end_time"]?.uint64 }.max() ?? 0
        let haveResilver = function == "RESILVER"
        let activeResilver = haveResilver && poolState == .inProgress
        let resilverEnd = haveResilver ? (s["end_time"]?.uint64 ?? 0) : 0
        if activeResilver || (!activeRebuild && haveResilver && resilverEnd > 0 && resilverEnd > rebuildEnd) {
            out.append(scan(.resilver, poolState, errors: s["errors"]?.uint64))
        } else if activeRebuild || (!activeResilver && rebuildEnd > 0 && rebuildEnd > resilverEnd) {
            for r in rebuilds {
                let name = r.value["name"]?.text ?? r.key
                out.append(scan(.sequentialResilver(vdev: name), state(r.value["state"]?.text, paused: false),
                                errors: r.value["errors"]?.uint64))
            }
        }
        return out
    }
}

/// `zfs version` (or `zfs -V`, the same output): the userland and kernel module releases,
/// `zfs-2.3.9-0+deb13u1` / `zfs-kmod-2.3.9-0+deb13u1`. Learned once per run; JSON output
/// (`-j`) exists from 2.3 on.
public struct OpenZFSVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    public static let firstWithJSON = OpenZFSVersion(major: 2, minor: 3, patch: 0)

    public var hasJSONOutput: Bool { self >= Self.firstWithJSON }

    /// `2.3.9`.
    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (a: OpenZFSVersion, b: OpenZFSVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    /// `zfs-2.3.9-0+deb13u1` → 2.3.9. Nil for anything else.
    public init?(release: some StringProtocol) {
        var s = Substring(release)
        if s.hasPrefix("zfs-kmod-") { s = s.dropFirst("zfs-kmod-".count) } else if s.hasPrefix("zfs-") { s = s.dropFirst(4) }
        let numbers = s.prefix { $0.isASCIIDigit || $0 == "." }.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count >= 2, numbers.count <= 3, let major = Int(numbers[0]), let minor = Int(numbers[1]) else { return nil }
        let patch = numbers.count == 3 ? Int(numbers[2]) : 0
        guard let patch else { return nil }
        self.init(major: major, minor: minor, patch: patch)
    }

    /// The userland and kernel module versions of `zfs version` output (either may be missing:
    /// without the module loaded only the userland line is printed).
    public static func parse(_ text: String) -> (userland: OpenZFSVersion?, kernelModule: OpenZFSVersion?) {
        var user: OpenZFSVersion?
        var kmod: OpenZFSVersion?
        for line in text.split(whereSeparator: \.isNewline) {
            let l = ZpoolStatusParser.trimWhitespace(Substring(line))
            if l.hasPrefix("zfs-kmod-") { kmod = kmod ?? OpenZFSVersion(release: l) } else if l.hasPrefix("zfs-") { user = user ?? OpenZFSVersion(release: l) }
        }
        return (user, kmod)
    }
}
