import Foundation
import Testing

@testable import KldloadCore

/// Docs/DESIGN.md, "One error type per domain": its table names exactly the `Error` types
/// declared in the library's sources, so a new one is placed in a domain (or merged into the
/// one that has it) when it is added.
@Suite struct ErrorTypeTableTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Names of the types declared as `enum|struct|class NAME…: …Error…` in Sources/KldloadCore.
    static func declaredErrorTypes() throws -> Set<String> {
        let sources = repository.appendingPathComponent("Sources/KldloadCore").path
        let walker = FileManager.default.enumerator(atPath: sources)
        var names: Set<String> = []
        while let relative = walker?.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let text = try String(contentsOfFile: sources + "/" + relative, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "<" })
                guard let k = words.firstIndex(where: { $0 == "enum" || $0 == "struct" || $0 == "class" }),
                    k + 1 < words.count, let colon = line.firstIndex(of: ":")
                else { continue }
                let conformances = line[line.index(after: colon)...].prefix { $0 != "{" }
                    .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if conformances.contains("Error") {
                    names.insert(String(words[k + 1].prefix { $0.isLetter || $0.isNumber || $0 == "_" }))
                }
            }
        }
        return names
    }

    /// The first column of the section's table, each without backticks and enclosing type.
    static func tableTypes() throws -> Set<String> {
        let text = try String(contentsOf: repository.appendingPathComponent("Docs/DESIGN.md"), encoding: .utf8)
        guard let start = text.range(of: "\n## One error type per domain\n") else { return [] }
        var names: Set<String> = []
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            names.insert(String(cell.split(separator: ".").last ?? cell))
        }
        return names
    }

    @Test func designTableListsEveryErrorType() throws {
        let declared = try Self.declaredErrorTypes()
        // The ones this review found; the scan must see them, or it sees nothing.
        #expect(declared.isSuperset(of: ["CommandError", "KBEError", "UpgradeError", "ParseError", "Stop"]))
        #expect(try Self.tableTypes() == declared)
    }
}
