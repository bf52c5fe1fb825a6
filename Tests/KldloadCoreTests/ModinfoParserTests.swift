import Testing
@testable import KldloadCore

/// Output shapes from kmod's tools/modinfo.c.
@Suite struct ModinfoParserTests {
    @Test func vermagicField() throws {
        let v = try ModinfoParser.parseVermagic("6.1.0-18-amd64 SMP preempt mod_unload modversions \n")
        #expect(v.release == "6.1.0-18-amd64")
        #expect(v.flags == ["SMP", "preempt", "mod_unload", "modversions"])
        #expect(throws: ParseError.self) { try ModinfoParser.parseVermagic("") }
        #expect(throws: ParseError.self) { try ModinfoParser.parseVermagic("\n\n") }
    }

    @Test func fullOutputSigned() throws {
        let text = """
            filename:       /lib/modules/5.15.105-200.fc37.x86_64/extra/stb6100.ko.xz
            license:        GPL
            depends:        
            retpoline:      Y
            name:           stb6100
            vermagic:       5.15.105-200.fc37.x86_64 SMP mod_unload 
            sig_id:         PKCS#7
            signer:         DKMS module signing key
            sig_key:        30:6A:97:EF:29:57:61:5F:1C:3C:78:2E:A7:94:56:8E:91:D3:67
            sig_hashalgo:   sha512
            signature:      34:94:EA:27:5B:AE:48:8A:
            \t\t02:38:13:3D
            parm:           verbose:Set Verbosity level (int)
            parm:           debug:Turn on debugging (int)
            """
        let m = try ModinfoParser.parse(text)
        #expect(m.filename == "/lib/modules/5.15.105-200.fc37.x86_64/extra/stb6100.ko.xz")
        #expect(m.vermagic?.release == "5.15.105-200.fc37.x86_64")
        #expect(m.isSigned)
        #expect(m.signer == "DKMS module signing key")
        #expect(m.sigKey?.hasPrefix("30:6A") == true)
        #expect(m.value("signature") == "34:94:EA:27:5B:AE:48:8A:02:38:13:3D")
        #expect(m.values("parm").count == 2)
        #expect(m.values("parm")[0] == "verbose:Set Verbosity level (int)")
        #expect(m.value("depends") == "")
    }

    @Test func fullOutputUnsigned() throws {
        let m = try ModinfoParser.parse("filename:       /lib/modules/6.1.0-18-amd64/updates/dkms/zfs.ko\nvermagic:       6.1.0-18-amd64 SMP preempt mod_unload modversions \n")
        #expect(!m.isSigned)
        #expect(m.vermagic?.flags.contains("modversions") == true)
    }

    @Test func errors() {
        #expect(throws: ParseError.self) { try ModinfoParser.parse("") }
        #expect(throws: ParseError.self) { try ModinfoParser.parse("\tcontinuation first\n") }
        #expect(throws: ParseError.self) { try ModinfoParser.parse("no colon here\n") }
    }
}
