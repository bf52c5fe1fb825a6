import Foundation
import Testing
@testable import KldloadCore

/// Strings from mokutil's `print_sb_state` (src/mokutil.c).
@Suite struct SecureBootParserTests {
    @Test func mokutilStates() throws {
        #expect(try SecureBootParser.parseMokutil(stdout: "SecureBoot enabled\n").mode == .enabled)
        #expect(try SecureBootParser.parseMokutil(stdout: "SecureBoot enabled\n").isEnforcing)
        let shimOff = try SecureBootParser.parseMokutil(stdout: "SecureBoot enabled\nSecureBoot validation is disabled in shim\n")
        #expect(shimOff.mode == .enabled && shimOff.shimValidationDisabled && !shimOff.isEnforcing)
        #expect(try SecureBootParser.parseMokutil(stdout: "SecureBoot disabled\n").mode == .disabled)
        #expect(try SecureBootParser.parseMokutil(stdout: "SecureBoot disabled\nPlatform is in Setup Mode\n").mode == .setupMode)
        let none = try SecureBootParser.parseMokutil(stdout: "", stderr: "EFI variables are not supported on this system\n")
        #expect(none == SecureBootState(mode: .unsupported, source: .mokutil))
        #expect(try SecureBootParser.parseMokutil(stdout: "This system doesn't support Secure Boot\n").mode == .unsupported)
        #expect(try SecureBootParser.parseMokutil(stdout: "Cannot determine secure boot state.\n").mode == .unsupported)
    }

    @Test func mokutilColouredOutput() throws {
        let s = try SecureBootParser.parseMokutil(stdout: "\u{1B}[32mSecureBoot enabled\n\u{1B}[0m")
        #expect(s.mode == .enabled)
    }

    @Test func mokutilGarbageIsAnError() {
        #expect(throws: ParseError.self) { try SecureBootParser.parseMokutil(stdout: "something else\n") }
        #expect(throws: ParseError.self) { try SecureBootParser.parseMokutil(stdout: "") }
    }

    @Test func efivarBytes() throws {
        let on = Data([0x06, 0, 0, 0, 1]), off = Data([0x06, 0, 0, 0, 0])
        #expect(try SecureBootParser.parseEFIVariables(secureBoot: on, setupMode: off).mode == .enabled)
        #expect(try SecureBootParser.parseEFIVariables(secureBoot: off, setupMode: off).mode == .disabled)
        #expect(try SecureBootParser.parseEFIVariables(secureBoot: off, setupMode: on).mode == .setupMode)
        #expect(try SecureBootParser.parseEFIVariables(secureBoot: on, setupMode: nil).source == .efivars)
        #expect(try SecureBootParser.parseEFIVariables(secureBoot: nil, setupMode: nil).mode == .unsupported)
        #expect(throws: ParseError.self) { try SecureBootParser.parseEFIVariables(secureBoot: Data([6, 0, 0, 0]), setupMode: nil) }
    }

    @Test func readsEfivarsThroughFileSystem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fs = RootedFileSystem(root: dir.path)
        #expect(try SecureBootParser.read(from: fs).mode == .unsupported)  // no /sys/firmware/efi: BIOS boot
        try fs.write(Data([0x06, 0, 0, 0, 1]), to: SecureBootParser.secureBootVariable)
        try fs.write(Data([0x06, 0, 0, 0, 0]), to: SecureBootParser.setupModeVariable)
        #expect(try SecureBootParser.read(from: fs).mode == .enabled)
    }
}
