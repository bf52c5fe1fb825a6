/// `vermagic` of a module: the kernel release it was built for and the build flags.
public struct Vermagic: Sendable, Hashable, Codable {
    public var release: KernelRelease
    /// `SMP`, `preempt`, `mod_unload`, `modversions`, …
    public var flags: [String]
}

/// The fields of full `modinfo FILE` output.
public struct ModuleInfo: Sendable, Hashable, Codable {
    public struct Field: Sendable, Hashable, Codable {
        public var key: String
        public var value: String
    }

    /// Every `key: value` in order (keys such as `alias`, `parm`, `depends` repeat).
    public var fields: [Field]

    public func values(_ key: String) -> [String] { fields.filter { $0.key == key }.map(\.value) }
    public func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }

    public var filename: String? { value("filename") }
    public var version: String? { value("version") }
    public var vermagic: Vermagic? { value("vermagic").flatMap { try? ModinfoParser.parseVermagic($0) } }
    public var signer: String? { value("signer") }
    public var sigID: String? { value("sig_id") }
    /// Key id, hex bytes separated by `:`.
    public var sigKey: String? { value("sig_key") }
    public var sigHashAlgorithm: String? { value("sig_hashalgo") }
    /// modinfo prints the signature fields only when the module carries an appended signature
    /// (`~Module signature appended~`).
    public var isSigned: Bool { sigID != nil || signer != nil || sigKey != nil || value("signature") != nil }
}

/// Parsers for kmod's `modinfo` output (tools/modinfo.c: `%-16s%s\n` with `key:` padded, hex
/// signature values wrapped onto following lines that start with a tab).
package enum ModinfoParser {
    /// `modinfo -F vermagic FILE`: `6.1.0-18-amd64 SMP preempt mod_unload modversions `.
    public static func parseVermagic(_ text: String) throws(ParseError) -> Vermagic {
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            let words = ParserText.words(raw)
            guard let first = words.first else { continue }
            return Vermagic(release: KernelRelease(String(first)), flags: words.dropFirst().map(String.init))
        }
        throw ParseError(source: "modinfo -F vermagic", line: max(lineNumber, 1), text: "",
                         reason: "empty output: the module has no vermagic (not a kernel module?)")
    }

    /// `modinfo -F FIELD FILE` for a single-valued field (`signer`, `sig_key`, `version`): the first
    /// line, trimmed; `nil` when modinfo printed nothing (an unsigned module has no `signer`).
    public static func parseField(_ text: String) -> String? {
        for raw in ParserText.lines(text) {
            let t = ParserText.trimmed(raw)
            if !t.isEmpty { return String(t) }
        }
        return nil
    }

    /// Full `modinfo` output for one module.
    public static func parse(_ text: String) throws(ParseError) -> ModuleInfo {
        var fields: [ModuleInfo.Field] = []
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            if ParserText.trimmed(raw).isEmpty { continue }
            if ParserText.isIndented(raw) {
                guard !fields.isEmpty else {
                    throw ParseError(source: "modinfo", line: lineNumber, text: String(raw), reason: "continuation line before any field")
                }
                fields[fields.count - 1].value += String(ParserText.trimmed(raw))
                continue
            }
            guard let colon = raw.firstIndex(of: ":") else {
                throw ParseError(source: "modinfo", line: lineNumber, text: String(raw), reason: "expected `key: value`")
            }
            let key = raw[..<colon]
            guard !key.isEmpty, !key.contains(" ") else {
                throw ParseError(source: "modinfo", line: lineNumber, text: String(raw), reason: "invalid field name")
            }
            fields.append(.init(key: String(key), value: String(ParserText.trimmed(raw[raw.index(after: colon)...]))))
        }
        guard !fields.isEmpty else {
            throw ParseError(source: "modinfo", line: 1, text: "", reason: "empty output")
        }
        return ModuleInfo(fields: fields)
    }
}
