import Foundation
import Testing
@testable import KldloadCore

/// `ZFSListJSONParser` (one pass, no tree) reads `zfs list -j` exactly as the general reader
/// did: `JSONScanner.parse` into a `JSONValue` tree, then the lookups below (the code
/// `ZFSJSONParser.datasets` and `BEListing.parseJSON` had before). Same records or both a
/// `ParseError`, on every real capture and on mutated ones.
@Suite struct ZFSListJSONParserTests {
    /// The tree-based reading, kept here as the reference.
    static func treeDatasets(_ text: String, columns: [String]) throws(ParseError) -> [Dataset] {
        let root = try JSONScanner.parse(text, source: ZFSJSONParser.source)
        guard let v = root["datasets"] else { throw ParseError(source: "t", line: 0, text: "", reason: "no datasets") }
        guard case .object(let entries) = v else { throw ParseError(source: "t", line: 0, text: "", reason: "not an object") }
        var out: [Dataset] = []
        for entry in entries {
            let d = entry.value
            let name = d["name"]?.text ?? entry.key
            let props = d["properties"]
            var values: [String] = []
            for column in columns {
                if column == "name" { values.append(name); continue }
                values.append((props?[column] ?? props?[ZFSPropertyList.canonicalName(column)])?["value"]?.text ?? "-")
            }
            out.append(Dataset(name: name, properties: ZFSPropertyList(names: columns, values: values)))
        }
        return out
    }

    static func treeRecords(_ text: String) throws(ParseError) -> [BERecord] {
        let columns = BEListing.columns
        var records: [BERecord] = []
        for (i, d) in try treeDatasets(text, columns: columns).enumerated() {
            let v = d.properties.values
            func num(_ k: Int) throws(ParseError) -> UInt64? {
                if v[k] == "-" { return nil }
                guard let n = UInt64(v[k]) else { throw ParseError(source: "t", line: i + 1, text: d.name, reason: "not a number") }
                return n
            }
            let mounted: Bool? = v[8] == "yes" ? true : v[8] == "no" ? false : nil
            records.append(try BEListing.record(row: i, source: "t", string: { v[$0] }, isDash: { v[$0] == "-" },
                                                number: num, mounted: mounted))
        }
        return records
    }

    enum Outcome: Equatable {
        case records([BERecord])
        case datasets([String], [[String]])
        case error
    }

    static func new(_ text: String) -> Outcome {
        do throws(ParseError) { return .records(try BEListing.parseJSON(text)) } catch { return .error }
    }

    static func old(_ text: String) -> Outcome {
        do throws(ParseError) { return .records(try treeRecords(text)) } catch { return .error }
    }

    static func newDatasets(_ text: String, _ columns: [String]) -> Outcome {
        do throws(ParseError) {
            let d = try ZFSJSONParser.datasets(text, columns: columns)
            return .datasets(d.map(\.name), d.map(\.properties.values))
        } catch { return .error }
    }

    static func oldDatasets(_ text: String, _ columns: [String]) -> Outcome {
        do throws(ParseError) {
            let d = try treeDatasets(text, columns: columns)
            return .datasets(d.map(\.name), d.map(\.properties.values))
        } catch { return .error }
    }

    static let otherColumns = ["name", "used", "referenced", "creation", "clones", "org.kldload:kupgrade-version", "type"]

    static var captures: [String] {
        Fixtures.files(under: "zfs-2.3") { $0.hasSuffix(".stdout") || $0.hasSuffix(".json") }
    }

    @Test func everyRealCaptureReadsAsTheTreeReadsIt() throws {
        var listings = 0
        var compared = 0
        for file in Self.captures {
            let text = try Fixtures.text(file)
            let new = Self.new(text)
            #expect(new == Self.old(text), "\(file)")
            #expect(Self.newDatasets(text, Self.otherColumns) == Self.oldDatasets(text, Self.otherColumns), "\(file)")
            if case .records(let r) = new, !r.isEmpty { listings += 1 }
            compared += 1
        }
        #expect(compared >= 20)
        #expect(listings >= 3)  // zfs-list-j-be, -after-rename, -after-promote at least
    }

    /// JSON-level mutations the line-oriented fuzzer rarely makes: escapes in keys and values
    /// (`\uXXXX`, surrogate pairs, `\/`), duplicate and missing members, values of other types.
    static func jsonMutate(_ text: String, _ rng: inout FuzzRNG) -> String {
        let pieces = [#"\u0041"#, #"\ud83d\ude00"#, #"\/"#, #"\""#, #"\\"#, #"\ud800"#, #"\u00e9"#, #"\n"#, #"\t"#]
        let values = ["null", "true", "false", "-0", "+1", "1.5", "1e3", "18446744073709551616", "[]", "{}", #"{"value":7}"#,
                      #""-""#, #""yes""#, #""snapshot""#, "[1,{\"a\":[]}]"]
        var s = text
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:  // an escape inside a string
            let quotes = s.indices.filter { s[$0] == "\"" }
            guard let q = quotes.randomElement(using: &rng) else { break }
            s.insert(contentsOf: pieces.randomElement(using: &rng)!, at: s.index(after: q))
        case 1:  // a key spelled with an escape: "name" → "n\u0061me" etc.
            for key in ["name", "value", "properties", "datasets", "type", "used", "mounted"] where Bool.random(using: &rng) {
                s = s.replacingOccurrences(of: "\"\(key)\"", with: "\"\(key.prefix(1))\\u00\(String(key.utf8.dropFirst().first!, radix: 16))\(key.dropFirst(2))\"")
            }
        case 2:  // a value replaced
            guard let r = s.ranges(of: "\"value\":").randomElement(using: &rng) else { break }
            let end = s[r.upperBound...].firstIndex { $0 == "," || $0 == "}" } ?? s.endIndex
            s.replaceSubrange(r.upperBound..<end, with: values.randomElement(using: &rng)!)
        case 3:  // a duplicate member in front of the first one
            for key in ["name", "value", "properties", "used", "datasets"] where Bool.random(using: &rng) {
                guard let r = s.ranges(of: "\"\(key)\":").randomElement(using: &rng) else { continue }
                s.insert(contentsOf: "\"\(key)\":\(values.randomElement(using: &rng)!),", at: r.lowerBound)
            }
        case 4:  // a member removed
            guard let r = s.ranges(of: #""name":"#).randomElement(using: &rng) ?? s.ranges(of: #""value":"#).first else { break }
            s.replaceSubrange(r, with: #""xname":"#)
        default:
            s = Fuzzer.mutate(s, &rng)
        }
        return s
    }

    @Test func mutatedCapturesReadAsTheTreeReadsThem() throws {
        let corpus = try Self.captures.filter { $0.contains("zfs-list-j") }.map { try Fixtures.text($0) }
        #expect(corpus.count >= 4)
        var rng = FuzzRNG(seed: 0x15_0_7_1)
        var accepted = 0
        for n in 0..<2_500 {
            var text = corpus[n % corpus.count]
            for _ in 0..<Int.random(in: 1...3, using: &rng) { text = Self.jsonMutate(text, &rng) }
            let new = Self.new(text)
            #expect(new == Self.old(text), "input \(n): \(text.prefix(300))")
            #expect(Self.newDatasets(text, Self.otherColumns) == Self.oldDatasets(text, Self.otherColumns), "input \(n)")
            if case .records = new { accepted += 1 }
        }
        #expect(accepted > 100)  // many mutations still parse, so values were compared, not only errors
    }

    @Test func escapesAreDecodedAsJSONRequires() throws {
        let text = #"{"datasets":{"rpool/ROOT/x":{"n\u0061me":"rpool\/ROOT\/d\u00e9j\u00e0 \ud83d\ude00","properties":{"type":{"value":"filesystem"},"used":{"value":1},"usedbysnapshots":{"value":0},"referenced":{"value":2},"available":{"value":3},"mountpoint":{"value":"\/"},"canmount":{"value":"noauto"},"mounted":{"value":"yes"},"origin":{"value":"-"},"clones":{"value":"-"},"creation":{"value":1796473600},"org.kldload:description":{"value":"a\"b\\c\nd\te \ud800x"}}}}}"#
        let r = try BEListing.parseJSON(text)
        #expect(r.count == 1)
        #expect(r.first?.name == "rpool/ROOT/déjà 😀")
        #expect(r.first?.mountpoint == "/")
        #expect(r.first?.description == "a\"b\\c\nd\te \u{FFFD}x")
        #expect(r.first?.mounted == true)
        #expect(Self.new(text) == Self.old(text))
    }

    @Test func membersAreReadAsTheFirstOfTheirName() throws {
        // The second "name" and the second "used" are ignored; a missing name is the key; null is "-".
        let text = #"{"datasets":{"k":{"name":null,"name":"other","properties":{"used":{"value":5},"used":{"value":6},"type":{"value":"snapshot"},"referenced":{"value":null}}}},"datasets":7}"#
        let r = try BEListing.parseJSON(text)
        #expect(r.map(\.name) == ["k"])
        #expect(r.first?.used == 5)
        #expect(r.first?.referenced == 0)
        #expect(Self.new(text) == Self.old(text))
        for bad in [#"[]"#, #"{"datasets":[]}"#, #"{"x":{}}"#, #"{"datasets":{"a":{}}"#, #"{"datasets":{}} x"#] {
            #expect(throws: ParseError.self) { try BEListing.parseJSON(bad) }
        }
        // Invalid JSON after a row that fails is reported as invalid JSON, as the tree did.
        #expect(throws: ParseError.self) { try BEListing.parseJSON(#"{"datasets":{"a":{}},"#) }
    }

    /// A listing of 12,000 datasets (the capture's six under 2,000 names) reads completely.
    @Test func readsEveryDatasetOfALargeListing() throws {
        let capture = try Fixtures.text(ZFS23CaptureTests.dir + "bes/zfs-list-j-be.stdout")
        let one = try BEListing.parseJSON(capture)
        guard let open = capture.range(of: #""datasets":{"#), capture.hasSuffix("}}}\n") else { Issue.record("capture changed"); return }
        let body = capture[open.upperBound..<capture.index(capture.endIndex, offsetBy: -3)]
        var big = String(capture[..<open.upperBound])
        for n in 0..<2_000 { big += (n == 0 ? "" : ",") + body.replacingOccurrences(of: "rpool/ROOT", with: "rpool/R\(n)") }
        big += "}}\n"
        let many = try BEListing.parseJSON(big)
        #expect(many.count == one.count * 2_000)
        #expect(many.last?.used == one.last?.used)
    }
}
