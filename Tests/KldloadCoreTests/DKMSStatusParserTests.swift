import Testing
@testable import KldloadCore

/// Lines below follow the echo statements of dell/dkms' `do_status`, `do_status_weak` and
/// `module_status_built_extra` (comma form ≤ 2.8.5, slash form 2.8.6+/3.x).
@Suite struct DKMSStatusParserTests {
    @Test func commaFormWithKernelAndAdded() throws {
        let s = try DKMSStatusParser.parse("""
            zfs, 2.1.11, 6.1.0-18-amd64, x86_64: installed
            zfs, 0.8.3: added

            """)
        #expect(s.modules.count == 2)
        #expect(s.modules[0] == DKMSModule(name: "zfs", version: "2.1.11", kernel: "6.1.0-18-amd64", arch: "x86_64", state: .installed))
        #expect(s.modules[1] == DKMSModule(name: "zfs", version: "0.8.3", state: .added))
        #expect(s.warnings.isEmpty)
    }

    @Test func slashFormAllStates() throws {
        let s = try DKMSStatusParser.parse("""
            zfs/2.1.11, 6.1.0-18-amd64, x86_64: installed
            zfs/2.1.11, 6.1.0-21-amd64, x86_64: built
            zfs/2.2.0: added
            nvidia/550.54: broken
            foo/1.0, 6.1.0-18-amd64, x86_64: weird-state
            """)
        #expect(s.modules.map(\.state) == [.installed, .built, .added, .broken, .other("weird-state")])
        #expect(s.modules[1].kernel == "6.1.0-21-amd64")
        #expect(s.modules[2].kernel == nil && s.modules[2].arch == nil)
        #expect(s.modules(forKernel: "6.1.0-18-amd64").count == 2)
        #expect(s.modules(named: "zfs").count == 3)
        #expect(s.state(of: "zfs", kernel: "6.1.0-21-amd64") == .built)
        #expect(s.state(of: "zfs", kernel: "6.1.0-99-amd64") == nil)
    }

    @Test func installedWeakKeepsCommaFormAndSourceKernel() throws {
        let s = try DKMSStatusParser.parse(
            "zfs, 2.1.11, 5.14.0-362.el9.x86_64, x86_64: installed-weak from 5.14.0-284.el9.x86_64\n")
        #expect(s.modules.first?.state == .installedWeak(from: "5.14.0-284.el9.x86_64"))
        #expect(s.modules.first?.state.isInstalled == true)
        #expect(s.modules.first?.notes == [])
    }

    @Test func oldAndNewRemarks() throws {
        let s = try DKMSStatusParser.parse("""
            amdgpu, 2.4-25.el7, 3.10.0-957.el7.x86_64, x86_64: installed (original_module exists)
            vbox, 4.1.12, 3.2.0-23-generic, x86_64: installed (WARNING! Diff between built and installed module!) (WARNING! Diff between built and installed module!)
            v4l2/0.0.1, 5.16.20-200.fc35.x86_64, x86_64: installed (WARNING! Missing some built modules!)
            lg4ff/0.5.0, 6.8.0-1-generic, x86_64: installed (Original modules exist) (Differences between built and installed modules)
            lg4ff/0.5.0, 6.8.0-2-generic, x86_64: installed (Built modules are missing in the kernel modules folder)
            """)
        #expect(s.modules[0].notes == ["original_module exists"])
        #expect(s.modules[0].hasInstallMismatch == false)
        #expect(s.modules[1].notes.count == 2)
        #expect(s.modules[1].hasInstallMismatch)
        #expect(s.modules[2].hasInstallMismatch)
        #expect(s.modules[3].notes == ["Original modules exist", "Differences between built and installed modules"])
        #expect(s.modules[3].hasInstallMismatch)
        #expect(s.modules[4].hasInstallMismatch)
        #expect(s.modules.allSatisfy { $0.state == .installed })
    }

    @Test func warningLinesAreKeptInOrder() throws {
        let s = try DKMSStatusParser.parse("""
            Deprecated feature: REMAKE_INITRD
            zfs/2.1.11, 6.1.0-18-amd64, x86_64: installed
            Error! zfs/2.0: Missing the module source directory or the symbolic link pointing to it.
            Manual intervention is required!
            dkms.conf: Warning! Zero modules specified.
            Warning: The pre_build script is not executable.
            """, stderr: "Error! Could not locate dkms.conf file.\n")
        #expect(s.modules.count == 1)
        #expect(s.warnings == [
            "Deprecated feature: REMAKE_INITRD",
            "Error! zfs/2.0: Missing the module source directory or the symbolic link pointing to it.",
            "Manual intervention is required!",
            "dkms.conf: Warning! Zero modules specified.",
            "Warning: The pre_build script is not executable.",
            "Error! Could not locate dkms.conf file.",
        ])
    }

    @Test func messageGluedToStateByMergedStderr() throws {
        // dkms 3.0 with 2>&1: the deprecation notice lands right after the state word.
        let s = try DKMSStatusParser.parse("akvcam/1.2.2, 5.18.10-200.fc36.x86_64, x86_64: installedDeprecated feature: REMAKE_INITRD\n")
        #expect(s.modules.first?.state == .installed)
        #expect(s.warnings == ["Deprecated feature: REMAKE_INITRD"])
    }

    @Test func trailingBlanksAndCRLF() throws {
        let s = try DKMSStatusParser.parse("evdi/1.12.0, 6.2.0-76060200-generic, x86_64: installed \r\nevdi/1.12.0+dfsg: added \r\n")
        #expect(s.modules.count == 2)
        #expect(s.modules[0].state == .installed)
        #expect(s.modules[1].version == "1.12.0+dfsg")
    }

    @Test func malformedStatusLinesNameTheLine() {
        #expect(throws: ParseError.self) { try DKMSStatusParser.parse("zfs/2.1.11, 6.1.0-18-amd64: installed\n") }
        do {
            _ = try DKMSStatusParser.parse("zfs/2.1.11: added\nzfs, 2.1, 6.1.0, x86_64, extra: built\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.text.contains("extra"))
        }
        #expect(throws: ParseError.self) { try DKMSStatusParser.parse("zfs/2.1.11:\n") }
    }

    @Test func emptyOutputIsNoModules() throws {
        let s = try DKMSStatusParser.parse("")
        #expect(s.modules.isEmpty && s.warnings.isEmpty)
    }
}
