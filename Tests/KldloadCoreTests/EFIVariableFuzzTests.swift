import Foundation
import Testing
@testable import KldloadCore

/// The UEFI variable parsers on damaged bytes: every truncation of every captured variable,
/// and seeded random damage to lengths and bytes. Each input parses or throws
/// `EFIVariableError`; nothing traps and nothing loops (a node Length below 4 included).
@Suite struct EFIVariableFuzzTests {
    typealias B = EFISpecBytes

    /// Captured Boot#### variables (efivarfs files: attributes + data) plus spec-built ones.
    static func corpus() throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        for f in Fixtures.files(under: "efi", where: {
            EFIBootManagerState.optionNumber(ofVariable: String($0.prefix(8))) != nil
                && $0.dropFirst(8).hasPrefix("-") && !$0.hasSuffix(".hex")
        }) {
            all.append([UInt8](try Fixtures.data(f)))
        }
        let path = B.hardDrive(partition: 1, start: 2048, size: 4096) + B.filePath(#"\EFI\zbm\vmlinuz.EFI"#)
            + B.node(0x7F, 0x01, []) + B.node(1, 1, [0, 2]) + B.end
        all.append(B.u32(7) + B.loadOption(description: "ZFSBootMenu", path: path, optional: B.ucs2("zbm.prefer=rpool", nul: true)))
        return all
    }

    /// Parses one efivarfs file as each kind of boot variable; returns how many parses succeeded.
    static func parseAll(_ bytes: [UInt8]) -> (ok: Int, failed: Int) {
        var ok = 0, failed = 0
        func count<T>(_ body: () throws(EFIVariableError) -> T) {
            do { _ = try body(); ok += 1 } catch { failed += 1; _ = error.description }
        }
        count { () throws(EFIVariableError) in
            let v = try EFIVariable.parse(bytes, name: "Boot0001")
            let o = try EFILoadOption.parse(v.data, variable: v.name)
            // Whatever parsed is consistent with the input.
            if o.optionalData.count > v.data.count { Issue.record("optional data longer than the variable") }
            _ = (o.loadOptions, o.loaderPath, o.hardDrive?.description, o.devicePath?.description)
            return o
        }
        count { () throws(EFIVariableError) in try EFIVariable.parse(bytes, name: "BootOrder").uint16Array() }
        count { () throws(EFIVariableError) in try EFIVariable.parse(bytes, name: "BootNext").uint16() }
        return (ok, failed)
    }

    @Test func everyTruncationOfEveryCapturedVariable() throws {
        let inputs = try Self.corpus()
        #expect(inputs.count > 20)  // the captured steps hold dozens of Boot#### files
        var ok = 0, failed = 0
        for bytes in inputs {
            for cut in 0...bytes.count {
                let r = Self.parseAll(Array(bytes[..<cut]))
                ok += r.ok; failed += r.failed
            }
            // The whole variable parses as a load option.
            let v = try EFIVariable.parse(bytes, name: "Boot")
            #expect(throws: Never.self) { try EFILoadOption.parse(v.data) }
        }
        #expect(ok > 0)
        #expect(failed > 0)
    }

    @Test func seededDamageToLengthsAndBytes() throws {
        var rng = FuzzRNG(seed: 0x4546_4956_4152_53)
        let inputs = try Self.corpus()
        var ok = 0, failed = 0
        for round in 0..<3000 {
            var b = inputs[round % inputs.count]
            guard b.count > 8 else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 4..<(b.count - 1), using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0:  // a 16-bit length of 0...3 or huge, anywhere (node Length, FilePathListLength)
                    let v = [0, 1, 2, 3, 4, 0xFFFF, 0x7FFF].randomElement(using: &rng)!
                    b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8(v >> 8)
                case 1: b[at] = UInt8.random(in: 0...255, using: &rng)
                case 2: b.remove(at: at)
                case 3: b.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                default: b[at] = 0x7F  // a stray End type
                }
            }
            let r = Self.parseAll(b)
            ok += r.ok; failed += r.failed
        }
        #expect(ok > 0)
        #expect(failed > 0)
    }

    @Test func randomBytes() {
        var rng = FuzzRNG(seed: 0x7A65_726F)
        var seen = 0
        for _ in 0..<2000 {
            let n = Int.random(in: 0...300, using: &rng)
            let r = Self.parseAll((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
            seen += r.ok + r.failed
        }
        #expect(seen == 6000)
    }
}
