/// A parser could not make sense of a line. Names the tool, the 1-based line number and the text.
public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var text: String
    public var reason: String

    public init(source: String, line: Int, text: String, reason: String) {
        self.source = source
        self.line = line
        // Keep messages readable even when fed a megabyte on one line.
        self.text = text.count > 200 ? String(text.prefix(200)) + "…" : text
        self.reason = reason
    }

    public var description: String {
        "cannot parse \(source) output, line \(line): \(reason): \(text)"
    }
}
