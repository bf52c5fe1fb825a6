import Testing
@testable import KldloadCore

/// mokutil 0.6.0 captured on this machine, which boots without EFI variables (Fixtures/mokutil).
@Suite struct SecureBootGoldenTests {
    @Test func sbStateWithoutEFI() throws {
        let dir = "mokutil/0.6.0-debian12/"
        let s = try SecureBootParser.parseMokutil(stdout: try Fixtures.text(dir + "sb-state-no-efi.stdout"),
                                                  stderr: try Fixtures.text(dir + "sb-state-no-efi.stderr"))
        #expect(s == SecureBootState(mode: .unsupported, source: .mokutil))
        #expect(!s.isEnforcing)
    }
}
