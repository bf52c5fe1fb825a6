import Foundation
import Testing
@testable import KldloadCore

@Suite struct KernelScannerTests {
    @Test func releaseOrdering() {
        let a: KernelRelease = "6.1.0-18-amd64", b: KernelRelease = "6.1.0-21-amd64", c: KernelRelease = "6.10.0-1-amd64"
        #expect(a < b && b < c && a < c)
        #expect(KernelRelease("5.14.0-427.el9.x86_64") < KernelRelease("5.14.0-427.13.1.el9_4.x86_64"))
        #expect(KernelRelease("6.12.1-arch1-1") < KernelRelease("6.12.10-arch1-1"))
        #expect(!(a < a))
        let huge = KernelRelease("99999999999999999999999999.0"), small = KernelRelease("9.0")
        #expect(small < huge)
        #expect([c, a, b].sorted() == [a, b, c])
    }

    @Test func moduleFileClassification() {
        #expect(KernelScanner.classify(fileName: "zfs.ko.xz")! == ("zfs", .xz))
        #expect(KernelScanner.classify(fileName: "spl.ko.zst")! == ("spl", .zstd))
        #expect(KernelScanner.classify(fileName: "zfs.ko.gz")! == ("zfs", .gzip))
        #expect(KernelScanner.classify(fileName: "zfs.ko")! == ("zfs", .none))
        #expect(KernelScanner.classify(fileName: "zfs.conf") == nil)
        #expect(KernelScanner.classify(fileName: ".ko") == nil)
        #expect(KernelScanner.layout(of: "updates/dkms/zfs.ko") == .dkms)
        #expect(KernelScanner.layout(of: "extra/zfs/zfs/zfs.ko") == .extra)
        #expect(KernelScanner.layout(of: "kernel/zfs/zfs.ko.zst") == .builtIn)
        #expect(KernelScanner.layout(of: "extramodules/zfs.ko.zst") == .extramodules)
        #expect(KernelScanner.layout(of: "weak-updates/zfs/zfs.ko") == .weakUpdates)
    }

    /// Builds a temporary root with every layout the scanner must understand.
    @Test func scansTempTree() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fs = RootedFileSystem(root: dir.path)
        func touch(_ p: String) throws { try fs.write(Data("x".utf8), to: p) }
        // Debian DKMS kernel with image in /boot.
        try touch("/boot/vmlinuz-6.1.0-21-amd64")
        try touch("/lib/modules/6.1.0-21-amd64/updates/dkms/zfs.ko")
        try touch("/lib/modules/6.1.0-21-amd64/updates/dkms/spl.ko")
        try touch("/lib/modules/6.1.0-21-amd64/kernel/drivers/net/e1000.ko")
        // Older Debian kernel without zfs.
        try touch("/boot/vmlinuz-6.1.0-18-amd64")
        try fs.createDirectory("/lib/modules/6.1.0-18-amd64/kernel")
        // Leftover directory of a removed kernel.
        try touch("/lib/modules/6.1.0-9-amd64/updates/dkms/zfs.ko")
        // Fedora/RHEL kmod layout with vmlinuz inside the module directory, compressed.
        try touch("/lib/modules/6.10.0-1.fc40.x86_64/vmlinuz")
        try touch("/lib/modules/6.10.0-1.fc40.x86_64/extra/zfs/zfs/zfs.ko.xz")
        try touch("/lib/modules/6.10.0-1.fc40.x86_64/extra/zfs/spl/spl.ko.xz")
        // Ubuntu built-in.
        try touch("/boot/vmlinuz-6.8.0-45-generic")
        try touch("/lib/modules/6.8.0-45-generic/kernel/zfs/zfs.ko.zst")
        try touch("/lib/modules/6.8.0-45-generic/kernel/zfs/spl.ko.zst")
        // Arch under /usr/lib/modules.
        try touch("/usr/lib/modules/6.12.1-arch1-1/vmlinuz")
        try touch("/usr/lib/modules/6.12.1-arch1-1/extramodules/zfs.ko.zst")
        try touch("/usr/lib/modules/6.12.1-arch1-1/extramodules/spl.ko.zst")
        // Not a release directory.
        try fs.createDirectory("/usr/lib/modules/extramodules-6.12-arch")

        let inv = KernelScanner(fileSystem: fs).scan()
        #expect(inv.kernels.map(\.release.string) == [
            "6.1.0-18-amd64", "6.1.0-21-amd64", "6.8.0-45-generic", "6.10.0-1.fc40.x86_64", "6.12.1-arch1-1",
        ])
        #expect(inv.leftovers == ["/lib/modules/6.1.0-9-amd64"])
        #expect(inv.newest?.release == "6.12.1-arch1-1")

        let debian = inv.kernels[1]
        #expect(debian.image == "/boot/vmlinuz-6.1.0-21-amd64")
        #expect(debian.modules.map(\.module) == ["spl", "zfs"])
        #expect(debian.modules.allSatisfy { $0.layout == .dkms && $0.compression == .none })
        #expect(!inv.kernels[0].hasModule("zfs"))

        let ubuntu = inv.kernels[2]
        #expect(ubuntu.modules(named: "zfs").first?.layout == .builtIn)
        #expect(ubuntu.modules(named: "zfs").first?.compression == .zstd)

        let fedora = inv.kernels[3]
        #expect(fedora.image == "/lib/modules/6.10.0-1.fc40.x86_64/vmlinuz")
        #expect(fedora.modules(named: "zfs").first?.path == "/lib/modules/6.10.0-1.fc40.x86_64/extra/zfs/zfs/zfs.ko.xz")
        #expect(fedora.modules.allSatisfy { $0.layout == .extra && $0.compression == .xz })

        let arch = inv.kernels[4]
        #expect(arch.modulesDirectory == "/usr/lib/modules/6.12.1-arch1-1")
        #expect(arch.modules.map(\.layout) == [.extramodules, .extramodules])
    }

    @Test func emptyRootHasNoKernels() {
        let inv = KernelScanner(fileSystem: RootedFileSystem(root: "/nonexistent-\(UUID().uuidString)")).scan()
        #expect(inv.kernels.isEmpty && inv.leftovers.isEmpty)
    }

    /// Rebuilds the real /lib/modules and /boot of this machine from the kernel-tree captures
    /// (`find /lib/modules -maxdepth 2`, the dkms `.ko` find, `ls -la /lib/modules /boot`) in a temp
    /// root and scans it: two kernels, then the old kernel's image removed (a leftover directory).
    @Test(arguments: [("1-two-kernels", ["6.1.0-55-amd64", "6.1.0-56-amd64"], [String]()),
                      ("2-after-image-removed", ["6.1.0-56-amd64"], ["/lib/modules/6.1.0-55-amd64"]),
                      ("3-after-headers-removed", ["6.1.0-56-amd64"], ["/lib/modules/6.1.0-55-amd64"])])
    func capturedDebianTree(_ step: String, _ kernels: [String], _ leftovers: [String]) throws {
        let dir = "kernel-tree/debian12-two-kernels/"
        var paths = Set<String>()
        for suffix in ["-find-lib-modules-maxdepth2.stdout", "-find-vmlinuz-dkms-ko.stdout"] where Fixtures.exists(dir + step + suffix) {
            for line in try Fixtures.text(dir + step + suffix).split(separator: "\n") { paths.insert(String(line)) }
        }
        // `ls -la` sections: "/boot:" then entries; the name is the last field.
        var section = ""
        for line in try Fixtures.text(dir + step + "-ls-la-lib-modules-boot.stdout").split(separator: "\n") {
            if line.hasSuffix(":") { section = String(line.dropLast()); continue }
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 9, let name = f.last, name != ".", name != "..", section == "/boot" else { continue }
            paths.insert("/boot/" + name)
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fs = RootedFileSystem(root: root.path)
        for p in paths.sorted() {
            if paths.contains(where: { $0.hasPrefix(p + "/") }) { try fs.createDirectory(p) } else { try fs.write(Data(), to: p) }
        }
        let inv = KernelScanner(fileSystem: fs, moduleNames: ["kldload_hello"]).scan()
        #expect(inv.kernels.map(\.release.string) == kernels)
        #expect(inv.leftovers == leftovers)
        let newest = try #require(inv.newest)
        #expect(newest.image == "/boot/vmlinuz-6.1.0-56-amd64")
        #expect(newest.modules == [KernelModuleFile(module: "kldload_hello", path: "/lib/modules/6.1.0-56-amd64/updates/dkms/kldload_hello.ko",
                                                    compression: .none, layout: .dkms)])
    }
}
