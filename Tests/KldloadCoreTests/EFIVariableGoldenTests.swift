import Foundation
import Testing
@testable import KldloadCore

/// The UEFI variables captured on Debian's OVMF (Fixtures/efi/ovmf-2022.11-debian12, made by
/// Tests/capture/efi-bootnext.sh): every Boot####, BootOrder, BootCurrent and BootNext file is
/// parsed and compared with what `efibootmgr -v` printed at the same moment, and with the
/// guest's /proc/cmdline.
@Suite struct EFIVariableGoldenTests {
    static let base = "efi/ovmf-2022.11-debian12"
    static let guid = EFIBootManagerState.globalVariableGUID

    /// Step folders holding a snapshot (efibootmgr -v and efivars/).
    static var steps: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url(base).path)) ?? []
        return names.filter { Fixtures.exists("\(base)/\($0)/efibootmgr-v.stdout") }.sorted()
    }

    /// Loads one step's efivarfs copies into `/sys/firmware/efi/efivars` of an in-memory file
    /// system, as the running guest had them.
    static func fileSystem(step: String) throws -> OverlayFileSystem {
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent-efi-golden-root"))
        try fs.createDirectory("/sys/firmware/efi")
        try fs.createDirectory("/sys/firmware/efi/efivars")
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("\(base)/\(step)/efivars").path)
        where !name.hasSuffix(".hex") {
            try fs.write(try Fixtures.data("\(base)/\(step)/efivars/\(name)"),
                         to: "\(EFIBootManagerState.efivarsDirectory)/\(name)")
        }
        return fs
    }

    /// efibootmgr 17 prints OptionalData byte by byte: printable ASCII as itself, else `.`.
    static func efibootmgrRaw(_ bytes: [UInt8]) -> String {
        String(bytes.map { (0x20...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "." })
    }

    static func line(_ text: String, startingWith prefix: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
    }

    @Test func capturedStepsArePresent() {
        #expect(Self.steps.count >= 7)
        #expect(Self.steps.contains("1-setup-bootnext-set"))
        #expect(Self.steps.contains("2-trial-then-panic"))
    }

    /// Every option of every step: description, device path and optional data as efibootmgr
    /// printed them; BootCurrent, BootNext and BootOrder as efibootmgr printed them.
    @Test(arguments: steps) func everyVariableMatchesEfibootmgr(step: String) throws {
        let printed = try Fixtures.text("\(Self.base)/\(step)/efibootmgr-v.stdout")
        let state = try EFIBootManagerState.read(from: try Self.fileSystem(step: step))
        #expect(!state.options.isEmpty)
        for (number, result) in state.options {
            let name = EFIBootManagerState.optionName(number)
            let option = try result.get()
            let line = try #require(Self.line(printed, startingWith: name))
            let star = option.isActive ? "* " : "  "
            #expect(line.hasPrefix(name + star + option.description + "\t"), "\(step) \(name)")
            #expect(line.hasSuffix(Self.efibootmgrRaw(option.optionalData)), "\(step) \(name)")
            if option.hardDrive != nil {
                // The nodes kbe decodes: the whole line is reproduced.
                let expected = name + star + option.description + "\t" + (option.devicePath?.description ?? "")
                    + Self.efibootmgrRaw(option.optionalData)
                #expect(line == expected, "\(step) \(name)")
            }
        }
        let hex = { (n: UInt16) in String(EFIBootManagerState.optionName(n).dropFirst(4)) }
        #expect(Self.line(printed, startingWith: "BootOrder: ") == "BootOrder: " + state.bootOrder.map(hex).joined(separator: ","))
        #expect(Self.line(printed, startingWith: "BootCurrent: ") == state.bootCurrent.map { "BootCurrent: " + hex($0) })
        #expect(Self.line(printed, startingWith: "BootNext: ") == state.bootNext.map { "BootNext: " + hex($0) })
        // bootnext-exists was written by `test -e` on the efivarfs file at the same moment.
        let exists = try Fixtures.text("\(Self.base)/\(step)/bootnext-exists")
        #expect(exists == (state.bootNext == nil ? "absent\n" : "present\n"))
    }

    /// The two entries created with efibootmgr --create / --create-only: same partition and
    /// loader, different load options; BootNext names the trial; the trial is not in BootOrder.
    @Test func theTwoEntriesAndBootNext() throws {
        let state = try EFIBootManagerState.read(from: try Self.fileSystem(step: "1-setup-bootnext-set"))
        let options = state.options.compactMapValues { try? $0.get() }
        let def = try #require(options.first { $0.value.description == "kldload default" })
        let trial = try #require(options.first { $0.value.description == "kldload trial" })
        #expect(state.bootNext == trial.key)
        #expect(state.bootOrder.first == def.key)
        #expect(!state.bootOrder.contains(trial.key))
        for o in [def.value, trial.value] {
            #expect(o.loaderPath == #"\EFI\kldload\vmlinuz.efi"#)
            #expect(o.hardDrive?.partitionNumber == 1)
            #expect(o.hardDrive?.partitionFormat == 0x02)
            #expect(o.hardDrive?.partitionGUID != nil)
            #expect(o.attributes == .active)
        }
        #expect(def.value.hardDrive == trial.value.hardDrive)
        let base = #"initrd=\EFI\kldload\initrd.img root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0"#
        #expect(def.value.loadOptions == base + " kldload.entry=default")
        #expect(trial.value.loadOptions == base + " kldload.entry=trial panic=5")
        // The raw BootNext file: attributes NV|BS|RT, then the UINT16.
        let raw = try Fixtures.data("\(Self.base)/1-setup-bootnext-set/efivars/BootNext-\(Self.guid)")
        let v = try EFIVariable.parse([UInt8](raw), name: "BootNext")
        #expect(v.attributes == [.nonVolatile, .bootServiceAccess, .runtimeAccess])
        #expect(try v.uint16() == trial.key)
    }

    /// In every later boot, the option named by BootCurrent carries exactly the command line the
    /// kernel received: the firmware passes the load options through unchanged.
    @Test(arguments: steps.filter { !$0.hasPrefix("1-") }) func bootCurrentsLoadOptionsAreTheKernelCommandLine(step: String) throws {
        let state = try EFIBootManagerState.read(from: try Self.fileSystem(step: step))
        let current = try #require(state.currentOption)
        let cmdline = try Fixtures.text("\(Self.base)/\(step)/proc-cmdline.stdout")
        #expect(current.loadOptions.map { $0 + "\n" } == cmdline)
    }
}
