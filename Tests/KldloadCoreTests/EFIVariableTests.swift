import Foundation
import Testing
@testable import KldloadCore

/// Byte layouts from the UEFI 2.10 specification (§3.1.3 EFI_LOAD_OPTION, §10.3 device path
/// nodes), encoded here field by field. The captured OVMF variables are in EFIVariableGoldenTests.
enum EFISpecBytes {
    static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    static func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }
    static func ucs2(_ s: String, nul: Bool) -> [UInt8] {
        Array(s.utf16).flatMap { u16($0) } + (nul ? [0, 0] : [])
    }
    static func node(_ type: UInt8, _ subType: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, subType] + u16(UInt16(4 + body.count)) + body
    }
    /// EFI_GUID 8be4df61-93ca-11d2-aa0d-00e098032b8c as stored (mixed endian).
    static let globalGUIDBytes: [UInt8] = [0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                           0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c]
    static func hardDrive(partition: UInt32, start: UInt64, size: UInt64, guid: [UInt8] = globalGUIDBytes) -> [UInt8] {
        node(4, 1, u32(partition) + u64(start) + u64(size) + guid + [0x02, 0x02])
    }
    static func filePath(_ p: String) -> [UInt8] { node(4, 4, ucs2(p, nul: true)) }
    static let end: [UInt8] = node(0x7F, 0xFF, [])
    static func loadOption(attributes: UInt32 = 1, description: String, path: [UInt8], optional: [UInt8]) -> [UInt8] {
        u32(attributes) + u16(UInt16(path.count)) + ucs2(description, nul: true) + path + optional
    }
}

@Suite struct EFIVariableTests {
    typealias B = EFISpecBytes

    @Test func efivarfsFileIsAttributesThenData() throws {
        let v = try EFIVariable.parse([0x06, 0, 0, 0, 0x03, 0x00], name: "BootCurrent")
        #expect(v.attributes == [.bootServiceAccess, .runtimeAccess])
        #expect(try v.uint16() == 3)
        let order = try EFIVariable.parse([0x07, 0, 0, 0, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x01], name: "BootOrder")
        #expect(order.attributes.contains(.nonVolatile))
        #expect(try order.uint16Array() == [1, 0, 0x010A])
    }

    @Test func badSizesAreTypedErrors() throws {
        #expect(throws: EFIVariableError.truncated(variable: "BootNext", field: "attributes", offset: 0, needed: 4, available: 3)) {
            try EFIVariable.parse([7, 0, 0], name: "BootNext")
        }
        #expect(throws: EFIVariableError.badSize(variable: "BootNext", expected: "2 bytes (one UINT16)", found: 3)) {
            try EFIVariable(name: "BootNext", attributes: [], data: [1, 2, 3]).uint16()
        }
        #expect(throws: EFIVariableError.self) { try EFIVariable(name: "BootOrder", attributes: [], data: [1]).uint16Array() }
        #expect(try EFIVariable(name: "BootOrder", attributes: [], data: []).uint16Array() == [])
    }

    @Test func loadOptionFieldsFromTheSpecLayout() throws {
        let path = B.hardDrive(partition: 1, start: 0x800, size: 0x60000) + B.filePath(#"\EFI\zbm\vmlinuz.EFI"#) + B.end
        let bytes = B.loadOption(description: "ZFSBootMenu", path: path,
                                 optional: B.ucs2("quiet loglevel=0 zbm.prefer=rpool/ROOT/new!", nul: false))
        let o = try EFILoadOption.parse(bytes, variable: "Boot0003")
        #expect(o.isActive)
        #expect(o.description == "ZFSBootMenu")
        #expect(o.loaderPath == #"\EFI\zbm\vmlinuz.EFI"#)
        #expect(o.hardDrive?.partitionNumber == 1)
        #expect(o.hardDrive?.partitionStart == 0x800)
        #expect(o.hardDrive?.partitionSize == 0x60000)
        #expect(o.hardDrive?.partitionGUID == "8be4df61-93ca-11d2-aa0d-00e098032b8c")
        #expect(o.loadOptions == "quiet loglevel=0 zbm.prefer=rpool/ROOT/new!")
        #expect(o.devicePath?.description
                == #"HD(1,GPT,8be4df61-93ca-11d2-aa0d-00e098032b8c,0x800,0x60000)/File(\EFI\zbm\vmlinuz.EFI)"#)
    }

    @Test func unknownNodesAreSkippedByTheirLength() throws {
        let pci = B.node(1, 1, [0x00, 0x02])           // Hardware, PCI: function 0, device 2
        let vendor = B.node(0x03, 0x0A, Array(repeating: 0xAB, count: 21))  // odd-sized messaging node
        let path = pci + vendor + B.filePath(#"\a.efi"#) + B.end
        let o = try EFILoadOption.parse(B.loadOption(description: "x", path: path, optional: []))
        #expect(o.devicePath?.nodes.count == 4)
        #expect(o.devicePath?.nodes.first == .other(type: 1, subType: 1, data: [0x00, 0x02]))
        #expect(o.loaderPath == #"\a.efi"#)
        #expect(o.hardDrive == nil)
        #expect(o.loadOptions == "")
    }

    @Test func severalDevicePathsInTheList() throws {
        let first = B.hardDrive(partition: 2, start: 1, size: 2) + B.filePath(#"\one"#) + B.end
        let second = B.filePath(#"\two"#) + B.node(0x7F, 0x01, []) + B.filePath(#"\three"#) + B.end
        let o = try EFILoadOption.parse(B.loadOption(description: "multi", path: first + second, optional: []))
        #expect(o.filePathList.count == 2)
        #expect(o.loaderPath == #"\one"#)
        #expect(o.filePathList[1].nodes.count == 4)
    }

    @Test func zeroAndShortNodeLengthsAreErrorsNotLoops() {
        for length: UInt16 in [0, 1, 2, 3] {
            let path: [UInt8] = [0x04, 0x04] + B.u16(length) + B.end
            #expect(throws: EFIVariableError.badDevicePathNodeLength(variable: "Boot####", offset: 10, length: Int(length), available: 8)) {
                try EFILoadOption.parse(B.loadOption(description: "d", path: path, optional: []))
            }
        }
    }

    @Test func malformedLoadOptionsAreTypedErrors() {
        let good = B.filePath(#"\x"#) + B.end
        // FilePathListLength larger than the data
        var long = B.loadOption(description: "d", path: good, optional: [])
        long[4] = 0xFF
        #expect(throws: EFIVariableError.self) { try EFILoadOption.parse(long) }
        // A node that runs past FilePathListLength
        let overrun = B.loadOption(description: "d", path: [0x04, 0x04, 0x40, 0x00] + B.end, optional: [])
        #expect(throws: EFIVariableError.self) { try EFILoadOption.parse(overrun) }
        // No End node
        #expect(throws: EFIVariableError.missingDevicePathEnd(variable: "Boot####", offset: 10 + B.filePath(#"\x"#).count)) {
            try EFILoadOption.parse(B.loadOption(description: "d", path: B.filePath(#"\x"#), optional: []))
        }
        // Description without NUL
        #expect(throws: EFIVariableError.unterminatedDescription(variable: "Boot####")) {
            try EFILoadOption.parse(B.u32(1) + B.u16(0) + B.ucs2("abc", nul: false))
        }
        // Hard Drive node of the wrong length
        #expect(throws: EFIVariableError.badDevicePathNode(variable: "Boot####", offset: 10, node: "Hard Drive", length: 8)) {
            try EFILoadOption.parse(B.loadOption(description: "d", path: B.node(4, 1, [1, 0, 0, 0]) + B.end, optional: []))
        }
        #expect(throws: EFIVariableError.self) { try EFILoadOption.parse([1, 0, 0, 0, 0]) }
    }

    @Test func optionalDataThatIsNotUCS2Text() throws {
        let path = B.filePath(#"\x"#) + B.end
        let odd = try EFILoadOption.parse(B.loadOption(description: "d", path: path, optional: [0x57, 0x49, 0x4E]))
        #expect(odd.loadOptions == nil)
        let binary = try EFILoadOption.parse(B.loadOption(description: "d", path: path, optional: [0x41, 0, 0, 0, 0x42, 0]))
        #expect(binary.loadOptions == nil)
        let loneSurrogate = try EFILoadOption.parse(B.loadOption(description: "d", path: path, optional: [0x00, 0xD8]))
        #expect(loneSurrogate.loadOptions == nil)
        let terminated = try EFILoadOption.parse(B.loadOption(description: "d", path: path, optional: B.ucs2("a b", nul: true)))
        #expect(terminated.loadOptions == "a b")
    }

    @Test func optionNamesAreFourUpperCaseHexDigits() {
        #expect(EFIBootManagerState.optionName(3) == "Boot0003")
        #expect(EFIBootManagerState.optionName(0xBEEF) == "BootBEEF")
        #expect(EFIBootManagerState.optionNumber(ofVariable: "Boot000A") == 10)
        #expect(EFIBootManagerState.optionNumber(ofVariable: "Boot000a") == nil)
        #expect(EFIBootManagerState.optionNumber(ofVariable: "BootOrder") == nil)
        #expect(EFIBootManagerState.optionNumber(ofVariable: "BootNext") == nil)
        #expect(EFIBootManagerState.optionNumber(ofVariable: "Boot00001") == nil)
        #expect(EFIBootManagerState.path(of: "BootNext") == "/sys/firmware/efi/efivars/BootNext-8be4df61-93ca-11d2-aa0d-00e098032b8c")
    }

    @Test func readsThroughTheFileSystem() throws {
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent-efi-test-root"))
        #expect(throws: EFIVariableError.notBootedWithUEFI) { try EFIBootManagerState.read(from: fs) }
        try fs.createDirectory("/sys/firmware/efi")
        try fs.createDirectory("/sys/firmware/efi/efivars")
        let option = B.loadOption(description: "ZFSBootMenu", path: B.filePath(#"\EFI\zbm\z.EFI"#) + B.end, optional: B.ucs2("ro", nul: false))
        try fs.write(Data(B.u32(7) + option), to: EFIBootManagerState.path(of: "Boot0001"))
        try fs.write(Data(B.u32(7) + [1, 2, 3]), to: EFIBootManagerState.path(of: "Boot0002"))
        try fs.write(Data(B.u32(6) + B.u16(1)), to: EFIBootManagerState.path(of: "BootCurrent"))
        try fs.write(Data(B.u32(7) + B.u16(1) + B.u16(2)), to: EFIBootManagerState.path(of: "BootOrder"))
        try fs.write(Data([7, 0, 0, 0, 1]), to: "/sys/firmware/efi/efivars/Boot0003-00000000-0000-0000-0000-000000000000")
        let s = try EFIBootManagerState.read(from: fs)
        #expect(s.bootCurrent == 1)
        #expect(s.bootNext == nil)
        #expect(s.bootOrder == [1, 2])
        #expect(s.options.keys.sorted() == [1, 2])
        #expect(s.currentOption?.description == "ZFSBootMenu")
        #expect(s.currentOption?.loadOptions == "ro")
        guard case .failure(let e)? = s.options[2] else { Issue.record("Boot0002 should fail"); return }
        #expect(e == .truncated(variable: "Boot0002", field: "Attributes and FilePathListLength", offset: 0, needed: 6, available: 3))
        // A damaged BootNext is an error, not a silent "no BootNext".
        try fs.write(Data([6, 0, 0, 0, 1]), to: EFIBootManagerState.path(of: "BootNext"))
        #expect(throws: EFIVariableError.badSize(variable: "BootNext", expected: "2 bytes (one UINT16)", found: 1)) {
            try EFIBootManagerState.read(from: fs)
        }
    }

    /// The longest list a UINT16 FilePathListLength allows, all 4-byte nodes: parsed in one
    /// pass, every node counted.
    @Test func longestFilePathListOfMinimalNodes() throws {
        let count = (Int(UInt16.max) - 4) / 4
        let path = Array(repeating: B.node(0x01, 0x99, []), count: count).flatMap { $0 } + B.end
        let o = try EFILoadOption.parse(B.loadOption(description: "many", path: path, optional: []))
        #expect(o.devicePath?.nodes.count == count + 1)
    }
}
