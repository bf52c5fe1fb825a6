import Foundation
@testable import KldloadCore

// The `zpool status` parser as it was before the byte scan (Characters, one `Substring` per
// line, a `[String: NiceNumber]` per vdev line), kept verbatim as the reference that
// `ZpoolStatusByteScanTests` compares the byte scan with. `ScanParser` is shared (unchanged).

enum ZpoolStatusReference {
    static let source = "zpool status"

    static let knownLabels: Set<String> = [
        "pool", "id", "state", "status", "action", "see", "scan", "scrub", "remove", "checkpoint",
        "expand", "trim", "config", "errors", "comment", "dedup", "prefetch",
    ]
    static let maxDepth = 32

    static func parse(_ text: String) throws(ParseError) -> ZpoolStatusReport {
        var pools: [PoolStatus] = []
        var message: ZpoolStatusReport.Message?
        var current: RefPoolBuilder?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let lineNo = index + 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            // ZFS_COLOR / a terminal makes zpool wrap labels and states in ANSI SGR codes.
            if line.utf8.contains(0x1B) { line = stripANSI(line) }
            if let (label, rest) = labelLine(line) {
                if label == "pool" {
                    if let c = current { pools.append(try c.finish()) }
                    guard !rest.isEmpty else {
                        throw ParseError(source: source, line: lineNo, text: String(line), reason: "'pool:' without a pool name")
                    }
                    current = RefPoolBuilder(name: String(rest), line: lineNo, lineText: String(line))
                    continue
                }
                guard current != nil else {
                    throw ParseError(source: source, line: lineNo, text: String(line),
                                     reason: "'\(label):' before any 'pool:' line; is this zpool status output?")
                }
                try current!.label(label, rest, line: lineNo, text: String(line))
                continue
            }
            let trimmed = trimWhitespace(line)
            guard current != nil else {
                if trimmed.isEmpty { continue }
                if trimmed == "all pools are healthy" { message = .allPoolsHealthy; continue }
                if trimmed == "no pools available" { message = .noPoolsAvailable; continue }
                if trimmed.hasPrefix("pool '") && trimmed.hasSuffix("' is healthy") {
                    let name = trimmed.dropFirst(6).dropLast(12)
                    message = .poolHealthy(String(name))
                    continue
                }
                throw ParseError(source: source, line: lineNo, text: String(line),
                                 reason: "unexpected text before the first 'pool:' line; is this zpool status output?")
            }
            if trimmed.isEmpty {
                current!.blank()
                continue
            }
            try current!.content(line, trimmed: trimmed, line: lineNo)
        }
        if let c = current { pools.append(try c.finish()) }
        return ZpoolStatusReport(pools: pools, message: message)
    }

    /// `  pool: tank` → ("pool", "tank"). At most 7 leading spaces, no TAB, a known lower-case
    /// label, a colon, then space/TAB/end.
    static func labelLine(_ line: Substring) -> (String, Substring)? {
        var i = line.startIndex
        var spaces = 0
        while i < line.endIndex, line[i] == " " {
            spaces += 1
            if spaces > 7 { return nil }
            i = line.index(after: i)
        }
        let wordStart = i
        while i < line.endIndex, let a = line[i].asciiValue, a >= 0x61 && a <= 0x7A {
            i = line.index(after: i)
        }
        guard i > wordStart, i < line.endIndex, line[i] == ":" else { return nil }
        let word = String(line[wordStart..<i])
        guard knownLabels.contains(word) else { return nil }
        let afterColon = line.index(after: i)
        if afterColon < line.endIndex, line[afterColon] != " " && line[afterColon] != "\t" { return nil }
        return (word, trimWhitespace(line[afterColon...]))
    }

    /// Removes `ESC [ … <letter>` sequences (printf_color in zpool_main.c).
    static func stripANSI(_ s: Substring) -> Substring {
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "\u{1B}" {
                var j = s.index(after: i)
                if j < s.endIndex, s[j] == "[" {
                    j = s.index(after: j)
                    while j < s.endIndex, let a = s[j].asciiValue, !((a >= 0x40 && a <= 0x7E) && a != 0x5B) {
                        j = s.index(after: j)
                    }
                    if j < s.endIndex { j = s.index(after: j) }
                }
                i = j
                continue
            }
            out.append(c)
            i = s.index(after: i)
        }
        return Substring(out)
    }

    static func trimWhitespace(_ s: Substring) -> Substring {
        ParserText.trimmed(s)
    }
}

// MARK: - One pool

private struct RefPoolBuilder {
    enum Section { case fields, config, errors }

    let name: String
    let line: Int
    let lineText: String
    var state: PoolState?
    var fields: [(label: String, lines: [String])] = []
    var section: Section = .fields
    var config = RefConfigBuilder()
    var configUndetermined = false
    var errorSentences: [String] = []
    var errorFiles: [String] = []

    init(name: String, line: Int, lineText: String) {
        self.name = name
        self.line = line
        self.lineText = lineText
    }

    mutating func label(_ label: String, _ rest: Substring, line: Int, text: String) throws(ParseError) {
        switch label {
        case "state":
            guard !rest.isEmpty else {
                throw ParseError(source: ZpoolStatusReference.source, line: line, text: text, reason: "'state:' without a state")
            }
            state = PoolState(rest)
            section = .fields
        case "config":
            section = .config
            if !rest.isEmpty { configUndetermined = true }
        case "errors":
            section = .errors
            if !rest.isEmpty { errorSentences.append(String(rest)) }
        default:
            section = .fields
            fields.append((label, rest.isEmpty ? [] : [String(rest)]))
        }
    }

    mutating func blank() {}

    mutating func content(_ line: Substring, trimmed: Substring, line lineNo: Int) throws(ParseError) {
        switch section {
        case .fields:
            if fields.isEmpty {
                fields.append(("", [String(trimmed)]))
            } else {
                fields[fields.count - 1].lines.append(String(trimmed))
            }
        case .config:
            if configUndetermined { return }
            try config.add(line, lineNo: lineNo)
        case .errors:
            errorFiles.append(String(trimmed))
        }
    }

    func finish() throws(ParseError) -> PoolStatus {
        guard let state else {
            throw ParseError(source: ZpoolStatusReference.source, line: line, text: lineText,
                             reason: "pool '\(name)' has no 'state:' line (output cut short?)")
        }
        var pool = PoolStatus(name: name, state: state)
        for (label, lines) in fields {
            switch label {
            case "status": pool.status = lines.joined(separator: " ")
            case "action": pool.action = lines.joined(separator: " ")
            case "see": pool.see = lines.joined(separator: " ")
            case "scan", "scrub": pool.scans.append(ScanParser.parse(lines))
            default:
                let key = label.isEmpty ? "unlabelled" : label
                let joined = lines.joined(separator: "\n")
                if let old = pool.otherSections[key] {
                    pool.otherSections[key] = old + "\n" + joined
                } else {
                    pool.otherSections[key] = joined
                }
            }
        }
        if !configUndetermined {
            let (root, groups) = try config.build()
            pool.root = root
            pool.groups = groups
        }
        pool.errors = dataErrors()
        return pool
    }

    func dataErrors() -> PoolDataErrors? {
        if errorSentences.isEmpty && errorFiles.isEmpty { return nil }
        var count: UInt64?
        var sawNone = false
        var sawFiles = false
        var others: [String] = []
        for s in errorSentences {
            if s == "No known data errors" {
                sawNone = true
            } else if s.hasSuffix("data errors, use '-v' for a list") || s.hasSuffix("data errors, use '-v' for a list.") {
                count = parseExactUInt64(s.prefix { $0 != " " })
            } else if s.hasPrefix("Permanent errors have been detected") {
                sawFiles = true
            } else {
                others.append(s)
            }
        }
        if sawFiles { return .files(errorFiles) }
        if let count { return .count(count) }
        if !others.isEmpty { return .other((others + errorFiles).joined(separator: "\n")) }
        if sawNone && errorFiles.isEmpty { return PoolDataErrors.none }
        return .other((errorSentences + errorFiles).joined(separator: "\n"))
    }
}

// MARK: - Config tree

private struct RefConfigBuilder {
    struct Node {
        var name: String
        var kind: VDevKind
        var state: VDevState
        var counters: [String: NiceNumber]
        var annotation: String?
        var children: [Int] = []
    }

    var columns = ["READ", "WRITE", "CKSUM"]
    var sawHeader = false
    var nodes: [Node] = []
    var baseIndent = 0
    var rootNode: Int?
    var groups: [(group: VDevGroup, tops: [Int])] = []
    var stack: [(indent: Int, node: Int)] = []

    static let counterColumns: Set<String> = ["READ", "WRITE", "CKSUM", "SLOW"]

    mutating func add(_ line: Substring, lineNo: Int) throws(ParseError) {
        let (indent, tokens) = Self.tokenize(line)
        guard let first = tokens.first else { return }
        if !sawHeader && rootNode == nil && line[first] == "NAME" {
            sawHeader = true
            if tokens.count >= 2, line[tokens[1]] == "STATE" {
                columns = tokens.dropFirst(2).map { String(line[$0]) }
            }
            return
        }
        func fail(_ reason: String) -> ParseError {
            ParseError(source: ZpoolStatusReference.source, line: lineNo, text: String(line), reason: reason)
        }
        if tokens.count == 1, rootNode != nil, indent <= baseIndent, let g = VDevGroup(header: line[first]) {
            groups.append((g, []))
            stack.removeAll()
            return
        }
        guard let stateIndex = tokens.indices.dropFirst().first(where: { VDevState(word: line[tokens[$0]]) != nil }),
              let state = VDevState(word: line[tokens[stateIndex]]) else {
            throw fail("config line without a vdev state (ONLINE, DEGRADED, AVAIL, …)")
        }
        let name = String(line[tokens[0].lowerBound..<tokens[stateIndex - 1].upperBound])
        var counters: [String: NiceNumber] = [:]
        var next = stateIndex + 1
        for column in columns {
            guard next < tokens.count else { break }
            if Self.counterColumns.contains(column) {
                let w = line[tokens[next]]
                if w == "-" && column == "SLOW" {
                    // interior vdevs print "-" in the SLOW column
                } else {
                    guard let n = NiceNumber.parse(w) else { break }
                    counters[column] = n
                }
            } else if column == "POWER" {
                // zpool status --power (2.2+): on / off / - for leaves, empty otherwise.
                let w = line[tokens[next]]
                guard w == "on" || w == "off" || w == "-" else { break }
            } else {
                break
            }
            next += 1
        }
        let lastUsed = tokens[next - 1].upperBound
        let annotation = ZpoolStatusReference.trimWhitespace(line[lastUsed...])
        var node = Node(name: name, kind: .disk, state: state, counters: counters,
                        annotation: annotation.isEmpty ? nil : String(annotation))

        guard let root = rootNode else {
            node.kind = .pool
            nodes.append(node)
            rootNode = 0
            baseIndent = indent
            stack = [(indent, 0)]
            return
        }
        _ = root
        guard indent > baseIndent else {
            throw fail("vdev line not indented below the pool line and not a logs/cache/spares/special/dedup header")
        }
        node.kind = VDevKind.classify(name)
        let index = nodes.count
        nodes.append(node)
        while let top = stack.last, top.indent >= indent { stack.removeLast() }
        if let parent = stack.last {
            nodes[parent.node].children.append(index)
        } else if !groups.isEmpty {
            groups[groups.count - 1].tops.append(index)
        } else {
            throw fail("vdev line has no parent in the tree")
        }
        stack.append((indent, index))
        if stack.count > ZpoolStatusReference.maxDepth {
            throw fail("vdev tree deeper than \(ZpoolStatusReference.maxDepth) levels")
        }
    }

    func build() throws(ParseError) -> (VDev?, [VDevGroupSection]) {
        guard let rootNode else { return (nil, []) }
        var built = [VDev?](repeating: nil, count: nodes.count)
        for i in stride(from: nodes.count - 1, through: 0, by: -1) {
            let n = nodes[i]
            built[i] = VDev(name: n.name, kind: n.kind, state: n.state,
                            readErrors: n.counters["READ"], writeErrors: n.counters["WRITE"],
                            checksumErrors: n.counters["CKSUM"], slowIOs: n.counters["SLOW"],
                            annotation: n.annotation, children: n.children.compactMap { built[$0] })
        }
        let sections = groups.map { g in VDevGroupSection(group: g.group, vdevs: g.tops.compactMap { built[$0] }) }
        return (built[rootNode], sections)
    }

    /// Visual indentation (TAB → next multiple of 8) and the ranges of whitespace-separated words.
    static func tokenize(_ line: Substring) -> (Int, [Range<Substring.Index>]) {
        var indent = 0
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == " " { indent += 1 } else if c == "\t" { indent = (indent / 8 + 1) * 8 } else { break }
            i = line.index(after: i)
        }
        var tokens: [Range<Substring.Index>] = []
        var start: Substring.Index?
        while i < line.endIndex {
            let c = line[i]
            if c == " " || c == "\t" {
                if let s = start { tokens.append(s..<i); start = nil }
            } else if start == nil {
                start = i
            }
            i = line.index(after: i)
        }
        if let s = start { tokens.append(s..<line.endIndex) }
        return (indent, tokens)
    }
}

