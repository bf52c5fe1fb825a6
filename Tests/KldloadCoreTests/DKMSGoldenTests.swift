import Testing
@testable import KldloadCore

/// `dkms status` captured on real systems (Fixtures/dkms: this machine; Fixtures/dkms-public:
/// other dkms versions). Each module is written `name/version kernel arch: state (notes)`.
@Suite struct DKMSGoldenTests {
    static func render(_ m: DKMSModule) -> String {
        var s = "\(m.name)/\(m.version)"
        if let k = m.kernel { s += " \(k) \(m.arch ?? "-")" }
        s += ": \(m.state)"
        for n in m.notes { s += " (\(n))" }
        return s
    }

    static let expected: [String: [String]] = [
        "dkms/3.0.10-debian12/status-empty.stdout": [],
        "dkms/3.0.10-debian12/status-added.stdout": ["kldload-hello/1.0: added"],
        "dkms/3.0.10-debian12/status-built.stdout": ["kldload-hello/1.0 6.1.0-56-amd64 x86_64: built"],
        "dkms/3.0.10-debian12/status-installed.stdout": ["kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed"],
        "dkms/3.0.10-debian12/status-installed-two-kernels.stdout": [
            "kldload-hello/1.0 6.1.0-55-amd64 x86_64: installed",
            "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed",
        ],
        "dkms/3.0.10-debian12/status-m-hello.stdout": [
            "kldload-hello/1.0 6.1.0-55-amd64 x86_64: installed",
            "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed",
        ],
        "dkms/3.0.10-debian12/status-m-hello-v-k-new.stdout": ["kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed"],
        "dkms/3.0.10-debian12/status-k-new.stdout": [
            "kldload-broken/1.0: added", "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed", "kldload-oldonly/1.0: added",
        ],
        "dkms/3.0.10-debian12/status-k-old.stdout": [
            "kldload-broken/1.0: added", "kldload-hello/1.0 6.1.0-55-amd64 x86_64: installed", "kldload-oldonly/1.0: added",
        ],
        "dkms/3.0.10-debian12/status-all.stdout": [
            "kldload-broken/1.0: added", "kldload-hello/1.0 6.1.0-55-amd64 x86_64: installed",
            "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed", "kldload-oldonly/1.0: added",
        ],
        "dkms/3.0.10-debian12/status-with-added.stdout": [
            "kldload-broken/1.0: added", "kldload-hello/1.0 6.1.0-55-amd64 x86_64: installed",
            "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed", "kldload-oldonly/1.0: added",
        ],
        "dkms/3.0.10-debian12/status-after-uninstall-old.stdout": [
            "kldload-broken/1.0: added", "kldload-hello/1.0 6.1.0-55-amd64 x86_64: built",
            "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed", "kldload-oldonly/1.0: added",
        ],
    ]

    /// Every `status*.stdout` under Fixtures/dkms parses; those listed here match exactly.
    @Test func everyCapturedStatusOutput() throws {
        let files = Fixtures.files(under: "dkms") { $0.hasPrefix("status") && $0.hasSuffix(".stdout") }
        #expect(Set(Self.expected.keys).isSubset(of: Set(files)))
        for file in files {
            let stderrFile = String(file.dropLast(".stdout".count)) + ".stderr"
            let stderr = Fixtures.exists(stderrFile) ? try Fixtures.text(stderrFile) : ""
            let status = try DKMSStatusParser.parse(try Fixtures.text(file), stderr: stderr)
            guard let want = Self.expected[file] else {
                // A capture added after these expectations were written: it must still parse
                // into known states only.
                #expect(status.modules.allSatisfy { if case .other = $0.state { false } else { true } }, "\(file)")
                continue
            }
            #expect(status.modules.map(Self.render) == want, "\(file)")
            #expect(status.warnings.isEmpty, "\(file)")
        }
    }

    static let hello55 = "kldload-hello/1.0 6.1.0-55-amd64 x86_64: installed"
    static let hello56 = "kldload-hello/1.0 6.1.0-56-amd64 x86_64: installed"
    static let oldonly = "kldload-oldonly/1.0: added"

    /// dkms 2.8.4 (comma form, old remarks) and 3.2.2 (slash form, 3.1.3+ remarks), same states.
    static let publicExpected: [String: [String]] = [
        "dkms-public/2.8.4-debian11/status-base.stdout": [hello55, hello56, oldonly],
        "dkms-public/2.8.4-debian11/status-broken.stdout": [hello55, hello56],
        "dkms-public/2.8.4-debian11/status-diff.stdout": [hello55, hello56 + " (WARNING! Diff between built and installed module!)", oldonly],
        "dkms-public/2.8.4-debian11/status-k-diff.stdout": [hello56 + " (WARNING! Diff between built and installed module!)", oldonly],
        "dkms-public/2.8.4-debian11/status-missing.stdout": [hello56, oldonly],
        "dkms-public/2.8.4-debian11/status-original.stdout": [hello55, hello56 + " (original_module exists)", oldonly],
        "dkms-public/3.2.2-debian13/status-base.stdout": [hello55, hello56, oldonly],
        "dkms-public/3.2.2-debian13/status-broken.stdout": [hello55, hello56, "kldload-oldonly/1.0: broken"],
        "dkms-public/3.2.2-debian13/status-diff.stdout": [hello55, hello56 + " (Differences between built and installed modules)", oldonly],
        "dkms-public/3.2.2-debian13/status-k-diff.stdout": [hello56 + " (Differences between built and installed modules)", oldonly],
        "dkms-public/3.2.2-debian13/status-missing.stdout": [hello55 + " (Built modules are missing in the kernel modules folder)", hello56, oldonly],
        "dkms-public/3.2.2-debian13/status-original.stdout": [hello55, hello56 + " (Original modules exist)", oldonly],
    ]

    /// dkms status next to the kernel-tree captures: after the old kernel's image is removed,
    /// dkms no longer lists it although its /lib/modules directory stays behind.
    @Test func kernelTreeSequence() throws {
        let dir = "kernel-tree/debian12-two-kernels/"
        let want: [String: [String]] = [
            "1-two-kernels-dkms-status.stdout": [Self.hello55, Self.hello56],
            "2-after-image-removed-dkms-status.stdout": [Self.hello56],
            "3-after-headers-removed-dkms-status.stdout": [Self.hello56],
        ]
        for (name, modules) in want {
            let status = try DKMSStatusParser.parse(try Fixtures.text(dir + name))
            #expect(status.modules.map(Self.render) == modules, "\(name)")
            #expect(status.state(of: "kldload-hello", kernel: "6.1.0-55-amd64") == (name.hasPrefix("1-") ? .installed : nil))
        }
    }

    @Test func otherDKMSVersions() throws {
        let files = Fixtures.files(under: "dkms-public") { $0.hasSuffix(".stdout") }
        #expect(Set(files) == Set(Self.publicExpected.keys))
        for file in files {
            let stderrFile = String(file.dropLast(".stdout".count)) + ".stderr"
            let stderr = Fixtures.exists(stderrFile) ? try Fixtures.text(stderrFile) : ""
            let status = try DKMSStatusParser.parse(try Fixtures.text(file), stderr: stderr)
            #expect(status.modules.map(Self.render) == Self.publicExpected[file], "\(file)")
            let mismatch = status.modules.filter(\.hasInstallMismatch).count
            #expect(mismatch == ((file.contains("diff") || file.contains("3.2.2-debian13/status-missing")) ? 1 : 0), "\(file)")
        }
        let broken = try DKMSStatusParser.parse(try Fixtures.text("dkms-public/3.2.2-debian13/status-broken.stdout"),
                                                stderr: try Fixtures.text("dkms-public/3.2.2-debian13/status-broken.stderr"))
        #expect(broken.modules.last?.state == .broken)
        #expect(broken.warnings == [
            "Error! kldload-oldonly/1.0: Missing the module source directory or the symbolic link pointing to it.",
            "Manual intervention is required!",
        ])
    }
}
