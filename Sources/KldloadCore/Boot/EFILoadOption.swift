/// The data of a `Boot####` variable (UEFI 2.10 §3.1.3 "Load Options", `EFI_LOAD_OPTION`):
///
///     UINT32                    Attributes
///     UINT16                    FilePathListLength   (bytes of FilePathList)
///     CHAR16                    Description[]        (NUL-terminated UCS-2)
///     EFI_DEVICE_PATH_PROTOCOL  FilePathList[]       (FilePathListLength bytes)
///     UINT8                     OptionalData[]       (the rest of the variable)
///
/// For a Linux EFI-stub kernel (and ZFSBootMenu's components layout) the OptionalData is the
/// kernel command line in UCS-2, which the firmware hands to the loader as its load options.
package struct EFILoadOption: Sendable, Hashable {
    public var attributes: Attributes
    public var description: String
    public var filePathList: [EFIDevicePath]
    public var optionalData: [UInt8]

    /// `LOAD_OPTION_*` bits (§3.1.3).
    public struct Attributes: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let active = Attributes(rawValue: 0x0000_0001)
        public static let forceReconnect = Attributes(rawValue: 0x0000_0002)
        public static let hidden = Attributes(rawValue: 0x0000_0008)
        /// LOAD_OPTION_CATEGORY (bits 8–12): 0 = boot, 1 = application.
        public static let categoryApplication = Attributes(rawValue: 0x0000_0100)
    }

    public init(attributes: Attributes, description: String, filePathList: [EFIDevicePath], optionalData: [UInt8]) {
        self.attributes = attributes
        self.description = description
        self.filePathList = filePathList
        self.optionalData = optionalData
    }

    public var isActive: Bool { attributes.contains(.active) }

    /// FilePathList[0]: where the loader is.
    public var devicePath: EFIDevicePath? { filePathList.first }

    /// The loader's path on its partition (`\EFI\zbm\vmlinuz.EFI`).
    public var loaderPath: String? { devicePath?.filePath }

    /// The partition holding the loader.
    public var hardDrive: EFIHardDriveDevicePath? { devicePath?.hardDrive }

    /// OptionalData read as a UCS-2 command line (what a Linux EFI-stub loader receives), with
    /// trailing NULs removed; nil when the data cannot be UCS-2 text (odd length, a NUL before
    /// the end, unpaired surrogates) — e.g. Windows Boot Manager's binary `WINDOWS` blob.
    public var loadOptions: String? {
        guard optionalData.count % 2 == 0 else { return nil }
        var units = EFIBytes.codeUnits(optionalData, from: 0, to: optionalData.count)
        while units.last == 0 { units.removeLast() }
        if units.contains(0) { return nil }
        let text = EFIBytes.text(units)
        if text.unicodeScalars.contains("\u{FFFD}") && !units.contains(0xFFFD) { return nil }
        return text
    }

    /// Parses the data of a `Boot####` variable (without efivarfs' attribute bytes). Linear in
    /// the data; every malformed input is an `EFIVariableError`.
    public static func parse(_ data: [UInt8], variable: String = "Boot####") throws(EFIVariableError) -> EFILoadOption {
        guard data.count >= 6 else {
            throw .truncated(variable: variable, field: "Attributes and FilePathListLength", offset: 0, needed: 6,
                             available: data.count)
        }
        let attributes = Attributes(rawValue: EFIBytes.uint32(data, at: 0))
        let listLength = Int(EFIBytes.uint16(data, at: 4))
        // Description: UCS-2 up to and including its NUL.
        var i = 6
        var nul: Int?
        while i + 1 < data.count {
            if data[i] == 0 && data[i + 1] == 0 { nul = i; break }
            i += 2
        }
        guard let end = nul else { throw .unterminatedDescription(variable: variable) }
        let description = EFIBytes.text(EFIBytes.codeUnits(data, from: 6, to: end))
        let listStart = end + 2
        guard listLength <= data.count - listStart else {
            throw .truncated(variable: variable, field: "FilePathList", offset: listStart, needed: listLength,
                             available: data.count - listStart)
        }
        let paths = try EFIDevicePath.parseList(data, from: listStart, to: listStart + listLength, variable: variable)
        return EFILoadOption(attributes: attributes, description: description, filePathList: paths,
                             optionalData: Array(data[(listStart + listLength)...]))
    }
}
