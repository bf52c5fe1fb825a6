import Foundation
import Testing
@testable import KldloadCore

/// The exit-code tables in the user guides list exactly the codes the enums define.
@Suite struct ExitCodeTableTests {
    static func codes(inSection heading: String, of doc: String) throws -> [Int32] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs/\(doc)")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let start = text.range(of: "\n## \(heading)\n") else { return [] }
        var codes: [Int32] = []
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") || line.hasPrefix("### ") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("|"), let first = cells.first, let code = Int32(first) { codes.append(code) }
        }
        return codes
    }

    @Test func kupgradeGuideMatchesExitStatus() throws {
        #expect(try Self.codes(inSection: "Exit codes", of: "KUPGRADE.md") == ExitStatus.allCases.map(\.rawValue))
    }

    @Test func kbeGuideMatchesKBEExitStatus() throws {
        #expect(try Self.codes(inSection: "Exit codes", of: "KBE.md") == KBEExitStatus.allCases.map(\.rawValue))
    }

    @Test func everyKBEErrorKindHasItsCode() {
        let kinds: [KBEError.Kind] = [.commandFailed, .usage, .refused, .notFound]
        #expect(kinds.map { KBEError($0, "x").exitCode } == [1, 2, 3, 4])
        #expect(Set(kinds.map(KBEExitStatus.init)).count == kinds.count)
    }
}
