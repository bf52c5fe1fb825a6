/// A small table-driven command-line parser shared by `kbe` and `kupgrade` (in the spirit of
/// swift-driver's option table): each tool's options are one enum conforming to `OptionKey`,
/// and each case declares its spec once (names, whether it takes a value, help text); parsing,
/// lookups (`p.has(.dryRun)`, `p.value(.keep)`: a misspelt option does not compile) and
/// `--help` come from that one declaration.
///
/// Accepted forms: `-n`, `--dry-run`, combined short flags `-nH`, `--keep 5`, `--keep=5`,
/// `-e SOURCE`, `-eSOURCE`, and `--` to end options. Options may appear before or after
/// positional arguments (as with zfs, bectl and apt).
package protocol OptionKey: Hashable, Sendable, CaseIterable {
    /// The option's names, kind and help: its one declaration.
    var spec: OptionSpec { get }
}

/// How one option is written and shown in `--help`.
package struct OptionSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case flag
        /// Takes one value; the string is the placeholder shown in help (`N`, `DIR`).
        case value(String)
    }

    /// All spellings, e.g. `["-n", "--dry-run"]`.
    public var names: [String]
    public var kind: Kind
    public var help: String
    /// May be given more than once (values accumulate).
    public var repeatable: Bool

    public init(names: [String], _ kind: Kind = .flag, help: String, repeatable: Bool = false) {
        self.names = names
        self.kind = kind
        self.help = help
        self.repeatable = repeatable
    }

    public static func flag(_ names: String..., help: String) -> OptionSpec {
        OptionSpec(names: names, .flag, help: help)
    }

    public static func value(_ names: String..., metavar: String, help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(names: names, .value(metavar), help: help, repeatable: repeatable)
    }

    /// The name messages use: the long form (`--keep`), or the only one there is.
    public var displayName: String { names.last { $0.hasPrefix("--") } ?? names.last ?? "" }

    public var takesValue: Bool {
        if case .value = kind { return true }
        return false
    }
}

/// The result of `OptionParser.parse`: the options given, looked up by their key, and the
/// positional arguments in order.
package struct ParsedOptions<Key: OptionKey>: Sendable, Hashable {
    public var flags: Set<Key> = []
    public var values: [Key: [String]] = [:]
    public var positionals: [String] = []

    public init() {}

    public func has(_ key: Key) -> Bool { flags.contains(key) }
    /// The last value given for the option, if any.
    public func value(_ key: Key) -> String? { values[key]?.last }
    public func allValues(_ key: Key) -> [String] { values[key] ?? [] }

    /// The value parsed as a non-negative integer, or a usage error naming the option.
    public func integer(_ key: Key) throws(UsageError) -> Int? {
        guard let raw = value(key) else { return nil }
        guard let n = Int(raw), n >= 0 else {
            throw UsageError("\(key.spec.displayName) needs a non-negative whole number, not '\(raw)'")
        }
        return n
    }
}

/// Wrong command-line usage. Printed with a pointer to `--help`; exit status 2 in both tools.
public struct UsageError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parses argv against a list of one tool's options (the order is the order of `--help`).
package struct OptionParser<Key: OptionKey>: Sendable {
    public var options: [Key]
    private var byName: [String: Key]

    public init(_ options: [Key]) {
        self.options = options
        var map: [String: Key] = [:]
        for key in options {
            for name in key.spec.names {
                precondition(map[name] == nil, "option \(name) declared twice")
                map[name] = key
            }
        }
        self.byName = map
    }

    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedOptions<Key> {
        var result = ParsedOptions<Key>()
        var i = 0
        var onlyPositionals = false

        func record(_ key: Key, value: String?, as written: String) throws(UsageError) {
            let spec = key.spec
            switch spec.kind {
            case .flag:
                if let value { throw UsageError("option \(written) takes no value (got '\(value)')") }
                result.flags.insert(key)
            case .value:
                guard let value else { throw UsageError("option \(written) needs a value") }
                if !spec.repeatable, result.values[key] != nil {
                    throw UsageError("option \(written) given more than once")
                }
                result.values[key, default: []].append(value)
            }
        }

        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if onlyPositionals || arg == "-" || !arg.hasPrefix("-") {
                result.positionals.append(arg)
                continue
            }
            if arg == "--" {
                onlyPositionals = true
                continue
            }
            if arg.hasPrefix("--") {
                var name = arg
                var inline: String? = nil
                if let eq = arg.firstIndex(of: "=") {
                    name = String(arg[..<eq])
                    inline = String(arg[arg.index(after: eq)...])
                }
                guard let key = byName[name] else { throw unknown(name) }
                if key.spec.takesValue, inline == nil {
                    guard i < arguments.count else { throw UsageError("option \(name) needs a value") }
                    inline = arguments[i]
                    i += 1
                }
                try record(key, value: inline, as: name)
                continue
            }
            // Short options, possibly combined: -nH, -e SOURCE, -eSOURCE.
            let letters = Array(arg.dropFirst())
            var j = 0
            while j < letters.count {
                let name = "-" + String(letters[j])
                guard let key = byName[name] else { throw unknown(name) }
                j += 1
                if key.spec.takesValue {
                    var value: String
                    if j < letters.count {
                        value = String(letters[j...])
                    } else {
                        guard i < arguments.count else { throw UsageError("option \(name) needs a value") }
                        value = arguments[i]
                        i += 1
                    }
                    try record(key, value: value, as: name)
                    j = letters.count
                } else {
                    try record(key, value: nil, as: name)
                }
            }
        }
        return result
    }

    private func unknown(_ name: String) -> UsageError {
        let known = options.flatMap(\.spec.names)
        func squeeze(_ s: String) -> String { s.filter { $0 != "-" && $0 != "_" } }
        if name.count > 2,
            let close = known.first(where: { $0.count > 2 && (squeeze($0) == squeeze(name) || $0.hasPrefix(name)) })
        {
            return UsageError("unknown option '\(name)' (did you mean '\(close)'?)")
        }
        return UsageError("unknown option '\(name)'")
    }

    /// The option table as help text, aligned, one option a line.
    public func helpText(indent: Int = 2) -> String {
        let rendered: [(String, String)] = options.map { key in
            let spec = key.spec
            var left = spec.names.joined(separator: ", ")
            if case .value(let metavar) = spec.kind { left += " " + metavar }
            return (left, spec.help)
        }
        let width = min(28, rendered.map(\.0.count).max() ?? 0)
        let pad = String(repeating: " ", count: indent)
        return rendered.map { left, help in
            if left.count > width {
                return pad + left + "\n" + pad + String(repeating: " ", count: width + 2) + help
            }
            return pad + left + String(repeating: " ", count: width - left.count + 2) + help
        }.joined(separator: "\n")
    }
}
