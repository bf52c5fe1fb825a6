import Foundation

/// Secure Boot state from `mokutil --sb-state` or from the EFI variables themselves.
///
/// mokutil (src/mokutil.c, `print_sb_state`) prints `SecureBoot enabled` (plus
/// `SecureBoot validation is disabled in shim` when MokSBStateRT exists), or `SecureBoot disabled`
/// (plus `Platform is in Setup Mode`), or `Cannot determine secure boot state.`; on a system
/// without EFI variables it prints `EFI variables are not supported on this system` to stderr
/// (older versions: `This system doesn't support Secure Boot`). Newer versions colour the lines
/// with ANSI escapes, which are ignored here.
package enum SecureBootParser {
    public static let efiGlobalGUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
    public static let secureBootVariable = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
    public static let setupModeVariable = "/sys/firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c"

    public static func parseMokutil(stdout: String, stderr: String = "") throws(ParseError) -> SecureBootState {
        var enabled = false, disabled = false, setup = false, shimOff = false, unsupported = false
        var lineNumber = 0
        var firstUnknown: (Int, String)?
        for raw in ParserText.lines(ParserText.stripANSI(stdout) + "\n" + ParserText.stripANSI(stderr)) {
            lineNumber += 1
            let line = ParserText.trimmed(raw)
            if line.isEmpty { continue }
            switch line {
            case "SecureBoot enabled": enabled = true
            case "SecureBoot disabled": disabled = true
            case "Platform is in Setup Mode": setup = true
            case "SecureBoot validation is disabled in shim": shimOff = true
            default:
                let l = line.lowercased()
                if l.contains("not supported") || l.contains("doesn't support") || l.contains("does not support")
                    || l.contains("cannot determine secure boot state") || l.contains("efi variables") {
                    unsupported = true
                } else if firstUnknown == nil {
                    firstUnknown = (lineNumber, String(raw))
                }
            }
        }
        if setup { return SecureBootState(mode: .setupMode, source: .mokutil) }
        if enabled { return SecureBootState(mode: .enabled, source: .mokutil, shimValidationDisabled: shimOff) }
        if disabled { return SecureBootState(mode: .disabled, source: .mokutil) }
        if unsupported { return SecureBootState(mode: .unsupported, source: .mokutil) }
        let (n, t) = firstUnknown ?? (1, "")
        throw ParseError(source: "mokutil --sb-state", line: n, text: t,
                         reason: "no SecureBoot state line; expected `SecureBoot enabled` or `SecureBoot disabled`")
    }

    /// One efivarfs variable: 4 bytes of attributes (little endian) then the data; for
    /// SecureBoot and SetupMode the data is one byte, 1 or 0.
    public static func parseEFIVariable(_ data: Data, name: String) throws(ParseError) -> UInt8 {
        let bytes = [UInt8](data)
        guard bytes.count >= 5 else {
            throw ParseError(source: "efivars \(name)", line: 1, text: bytes.map { String(format: "%02x", $0) }.joined(separator: " "),
                             reason: "expected 4 attribute bytes and 1 data byte, found \(bytes.count) bytes")
        }
        return bytes[4]
    }

    /// State from the SecureBoot and SetupMode variables. A missing SecureBoot variable means the
    /// firmware has no Secure Boot (or the system booted without EFI).
    public static func parseEFIVariables(secureBoot: Data?, setupMode: Data?) throws(ParseError) -> SecureBootState {
        guard let secureBoot else { return SecureBootState(mode: .unsupported, source: .efivars) }
        let sb = try parseEFIVariable(secureBoot, name: "SecureBoot")
        if let setupMode, try parseEFIVariable(setupMode, name: "SetupMode") == 1 {
            return SecureBootState(mode: .setupMode, source: .efivars)
        }
        return SecureBootState(mode: sb == 1 ? .enabled : .disabled, source: .efivars)
    }

    /// Reads the variables through `fs`. Without `/sys/firmware/efi` the system booted in legacy
    /// BIOS mode: `.unsupported`.
    public static func read(from fs: any FileSystem) throws(ParseError) -> SecureBootState {
        guard fs.isDirectory("/sys/firmware/efi") else { return SecureBootState(mode: .unsupported, source: .efivars) }
        let sb = try? fs.contents(of: secureBootVariable)
        let setup = try? fs.contents(of: setupModeVariable)
        return try parseEFIVariables(secureBoot: sb, setupMode: setup)
    }
}
