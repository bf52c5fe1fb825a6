import Foundation

/// One UEFI variable as Linux's efivarfs shows it: a file
/// `/sys/firmware/efi/efivars/<Name>-<VendorGuid>` whose first 4 bytes are the variable's
/// attributes (UINT32, little endian) and whose remaining bytes are the variable's data
/// (Documentation/filesystems/efivarfs.rst in the kernel; attributes as in UEFI 2.10 §8.2,
/// `GetVariable()`).
package struct EFIVariable: Sendable, Hashable {
    public var name: String
    public var attributes: EFIVariableAttributes
    public var data: [UInt8]

    public init(name: String, attributes: EFIVariableAttributes, data: [UInt8]) {
        self.name = name
        self.attributes = attributes
        self.data = data
    }

    /// Splits an efivarfs file into attributes and data.
    public static func parse(_ bytes: [UInt8], name: String) throws(EFIVariableError) -> EFIVariable {
        guard bytes.count >= 4 else {
            throw .truncated(variable: name, field: "attributes", offset: 0, needed: 4, available: bytes.count)
        }
        let attributes = EFIVariableAttributes(rawValue: EFIBytes.uint32(bytes, at: 0))
        return EFIVariable(name: name, attributes: attributes, data: Array(bytes[4...]))
    }

    /// The data as one UINT16 (`BootCurrent`, `BootNext`: UEFI 2.10 §3.3, Table 3-1).
    public func uint16() throws(EFIVariableError) -> UInt16 {
        guard data.count == 2 else {
            throw .badSize(variable: name, expected: "2 bytes (one UINT16)", found: data.count)
        }
        return EFIBytes.uint16(data, at: 0)
    }

    /// The data as an array of UINT16 (`BootOrder`: UEFI 2.10 §3.3).
    public func uint16Array() throws(EFIVariableError) -> [UInt16] {
        guard data.count % 2 == 0 else {
            throw .badSize(variable: name, expected: "an even number of bytes (UINT16 array)", found: data.count)
        }
        var out: [UInt16] = []
        out.reserveCapacity(data.count / 2)
        var i = 0
        while i + 1 < data.count {
            out.append(EFIBytes.uint16(data, at: i))
            i += 2
        }
        return out
    }
}

/// `EFI_VARIABLE_*` attribute bits (UEFI 2.10 §8.2.1).
package struct EFIVariableAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let nonVolatile = EFIVariableAttributes(rawValue: 0x0000_0001)
    public static let bootServiceAccess = EFIVariableAttributes(rawValue: 0x0000_0002)
    public static let runtimeAccess = EFIVariableAttributes(rawValue: 0x0000_0004)
    public static let hardwareErrorRecord = EFIVariableAttributes(rawValue: 0x0000_0008)
    public static let authenticatedWriteAccess = EFIVariableAttributes(rawValue: 0x0000_0010)
    public static let timeBasedAuthenticatedWriteAccess = EFIVariableAttributes(rawValue: 0x0000_0020)
    public static let appendWrite = EFIVariableAttributes(rawValue: 0x0000_0040)
    public static let enhancedAuthenticatedAccess = EFIVariableAttributes(rawValue: 0x0000_0080)
}

/// What went wrong reading or decoding a UEFI variable. Offsets count bytes from the start of
/// the variable's data (after efivarfs' 4 attribute bytes).
package enum EFIVariableError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `/sys/firmware/efi` is absent: the system did not boot through UEFI.
    case notBootedWithUEFI
    /// The variable's file could not be read.
    case unreadable(path: String, reason: String)
    /// A field runs past the end of the data.
    case truncated(variable: String, field: String, offset: Int, needed: Int, available: Int)
    /// The data has a size the variable's type cannot have.
    case badSize(variable: String, expected: String, found: Int)
    /// The UCS-2 description has no NUL terminator before the end of the data.
    case unterminatedDescription(variable: String)
    /// A device path node's Length is below the 4-byte header or runs past FilePathListLength.
    case badDevicePathNodeLength(variable: String, offset: Int, length: Int, available: Int)
    /// A node of a known type has a length its type does not allow (Hard Drive is 42 bytes).
    case badDevicePathNode(variable: String, offset: Int, node: String, length: Int)
    /// The file path list ends without an End of Hardware Device Path node (0x7F/0xFF).
    case missingDevicePathEnd(variable: String, offset: Int)

    public var description: String {
        switch self {
        case .notBootedWithUEFI:
            return "/sys/firmware/efi does not exist: this system did not boot through UEFI, so it has no UEFI boot variables"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the UEFI variable (\(reason)); check that efivarfs is mounted at /sys/firmware/efi/efivars"
        case .truncated(let v, let field, let offset, let needed, let available):
            return "UEFI variable \(v): \(field) at byte \(offset) needs \(needed) bytes, only \(available) left; the variable is damaged or not what its name says"
        case .badSize(let v, let expected, let found):
            return "UEFI variable \(v): expected \(expected), found \(found) bytes"
        case .unterminatedDescription(let v):
            return "UEFI variable \(v): the description has no NUL terminator; not a valid EFI_LOAD_OPTION"
        case .badDevicePathNodeLength(let v, let offset, let length, let available):
            return "UEFI variable \(v): device path node at byte \(offset) has length \(length), but a node is at least 4 bytes and only \(available) remain in the file path list"
        case .badDevicePathNode(let v, let offset, let node, let length):
            return "UEFI variable \(v): \(node) node at byte \(offset) has length \(length), which that node type does not allow"
        case .missingDevicePathEnd(let v, let offset):
            return "UEFI variable \(v): the device path ending at byte \(offset) has no End node (0x7F/0xFF)"
        }
    }
}

/// Little-endian reads and UCS-2 decoding shared by the UEFI variable parsers. Callers check
/// bounds first; every function here is bounded by its arguments.
enum EFIBytes {
    static func uint16(_ b: [UInt8], at i: Int) -> UInt16 {
        UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    static func uint32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func uint64(_ b: [UInt8], at i: Int) -> UInt64 {
        UInt64(uint32(b, at: i)) | UInt64(uint32(b, at: i + 4)) << 32
    }

    /// An `EFI_GUID` (UINT32, UINT16, UINT16 little endian, then 8 bytes in order), in the
    /// lower-case registry form efibootmgr and efivarfs print.
    static func guid(_ b: [UInt8], at i: Int) -> String {
        func hex<T: BinaryInteger>(_ v: T, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let tail = (0..<8).map { hex(b[i + 8 + $0], 2) }
        return hex(uint32(b, at: i), 8) + "-" + hex(uint16(b, at: i + 4), 4) + "-" + hex(uint16(b, at: i + 6), 4)
            + "-" + tail[0...1].joined() + "-" + tail[2...].joined()
    }

    /// UCS-2 code units from `b[start..<end]` (an even count, little endian).
    static func codeUnits(_ b: [UInt8], from start: Int, to end: Int) -> [UInt16] {
        var units: [UInt16] = []
        units.reserveCapacity((end - start) / 2)
        var i = start
        while i + 1 < end {
            units.append(uint16(b, at: i))
            i += 2
        }
        return units
    }

    /// Code units as text; unpaired surrogates (not UCS-2) become U+FFFD.
    static func text(_ units: [UInt16]) -> String {
        String(decoding: units, as: UTF16.self)
    }
}
