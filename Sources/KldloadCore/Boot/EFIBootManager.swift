/// The UEFI boot manager's variables (UEFI 2.10 §3.1–3.3) as the running system sees them in
/// efivarfs: which `Boot####` option booted (`BootCurrent`), the one-shot choice for the next
/// boot (`BootNext`, deleted by the firmware when it acts on it), the default order
/// (`BootOrder`), and every `Boot####` option. All under the EFI global variable GUID.
package struct EFIBootManagerState: Sendable, Hashable {
    public var bootCurrent: UInt16?
    public var bootNext: UInt16?
    public var bootOrder: [UInt16]
    /// Every `Boot####` variable, by option number; an option whose bytes do not parse is kept as
    /// its error, so one damaged entry from another OS does not hide the others.
    public var options: [UInt16: Result<EFILoadOption, EFIVariableError>]

    public init(bootCurrent: UInt16?, bootNext: UInt16?, bootOrder: [UInt16],
                options: [UInt16: Result<EFILoadOption, EFIVariableError>]) {
        self.bootCurrent = bootCurrent
        self.bootNext = bootNext
        self.bootOrder = bootOrder
        self.options = options
    }

    public static let efivarsDirectory = "/sys/firmware/efi/efivars"
    /// The EFI global variable GUID (one constant, kept with the Secure Boot variables).
    public static var globalVariableGUID: String { SecureBootParser.efiGlobalGUID }

    /// `/sys/firmware/efi/efivars/<name>-8be4df61-93ca-11d2-aa0d-00e098032b8c`.
    public static func path(of name: String) -> String {
        "\(efivarsDirectory)/\(name)-\(globalVariableGUID)"
    }

    /// `Boot0003` for 3 (four upper-case hex digits, as UEFI names them).
    public static func optionName(_ number: UInt16) -> String {
        let hex = String(number, radix: 16, uppercase: true)
        return "Boot" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// The option number of a `Boot####` variable name (exactly four hex digits), else nil.
    public static func optionNumber(ofVariable name: String) -> UInt16? {
        guard name.hasPrefix("Boot"), name.utf8.count == 8 else { return nil }
        let digits = name.dropFirst(4)
        guard digits.allSatisfy({ $0.isHexDigit && !$0.isLowercase }) else { return nil }
        return UInt16(digits, radix: 16)
    }

    /// The option the running system booted from, when `BootCurrent` names one that parsed.
    public var currentOption: EFILoadOption? {
        guard let n = bootCurrent, case .success(let o)? = options[n] else { return nil }
        return o
    }

    /// Reads the variables through `fs`. Missing `BootCurrent`, `BootNext` or `BootOrder` are
    /// nil/empty (all three are optional to the firmware); a present one that does not parse
    /// throws. Throws `.notBootedWithUEFI` when `/sys/firmware/efi` does not exist.
    public static func read(from fs: any FileSystem) throws(EFIVariableError) -> EFIBootManagerState {
        guard fs.isDirectory("/sys/firmware/efi") else { throw .notBootedWithUEFI }
        func variable(_ name: String) throws(EFIVariableError) -> EFIVariable? {
            let p = path(of: name)
            let data: [UInt8]
            do { data = [UInt8](try fs.contents(of: p)) } catch {
                if case .notFound = error { return nil }
                throw .unreadable(path: p, reason: error.description)
            }
            return try EFIVariable.parse(data, name: name)
        }
        let current = try variable("BootCurrent")?.uint16()
        let next = try variable("BootNext")?.uint16()
        let order = try variable("BootOrder")?.uint16Array() ?? []
        var options: [UInt16: Result<EFILoadOption, EFIVariableError>] = [:]
        let names: [String]
        do { names = try fs.list(efivarsDirectory) } catch {
            throw .unreadable(path: efivarsDirectory, reason: error.description)
        }
        let suffix = "-" + globalVariableGUID
        for file in names where file.hasSuffix(suffix) {
            let name = String(file.dropLast(suffix.count))
            guard let number = optionNumber(ofVariable: name) else { continue }
            do {
                guard let v = try variable(name) else { continue }
                options[number] = .success(try EFILoadOption.parse(v.data, variable: name))
            } catch {
                options[number] = .failure(error)
            }
        }
        return EFIBootManagerState(bootCurrent: current, bootNext: next, bootOrder: order, options: options)
    }
}
