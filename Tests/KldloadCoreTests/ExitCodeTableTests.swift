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

    /// The codes a man page's EXIT STATUS section lists (`.TP`, then `.B CODE`).
    static func codes(inManPage page: String) throws -> [Int32] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/dist/man/\(page)")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let start = text.range(of: "\n.SH EXIT STATUS\n") else { return [] }
        let lines = text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
        var codes: [Int32] = []
        for (i, line) in lines.enumerated() {
            if line.hasPrefix(".SH ") { break }
            if line == ".TP", i + 1 < lines.count, lines[i + 1].hasPrefix(".B "), let code = Int32(lines[i + 1].dropFirst(3)) {
                codes.append(code)
            }
        }
        return codes
    }

    @Test func manPagesMatchTheEnums() throws {
        #expect(try Self.codes(inManPage: "kupgrade.8") == ExitStatus.allCases.map(\.rawValue))
        #expect(try Self.codes(inManPage: "kbe.8") == KBEExitStatus.allCases.map(\.rawValue))
    }

    /// `--help` of each tool lists exactly its enum's codes.
    @Test func helpTextsMatchTheEnums() throws {
        let kupgrade = ExitStatus.helpText.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.flatMap { Int32($0) }
        }
        #expect(kupgrade == ExitStatus.allCases.map(\.rawValue))
        #expect(KupgradeCommand.helpText.contains(ExitStatus.helpText))
        let help = KBECommand.helpText(for: nil)
        let section = try #require(help.range(of: "exit status: ")).upperBound
        let sentence = help[section...].prefix { $0 != "." }.replacingOccurrences(of: "\n", with: " ")
        let kbe = sentence.split(separator: ";").compactMap { item in
            item.split(separator: " ").first.flatMap { Int32($0) }
        }
        #expect(kbe == KBEExitStatus.allCases.map(\.rawValue))
    }

    @Test func everyKBEErrorKindHasItsCode() {
        let kinds: [KBEError.Kind] = [.commandFailed, .usage, .refused, .notFound]
        #expect(kinds.map { KBEError($0, "x").exitCode } == [1, 2, 3, 4])
        #expect(Set(kinds.map(KBEExitStatus.init)).count == kinds.count)
    }
}
