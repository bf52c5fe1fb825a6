import Foundation

/// A small reader for the symbol versions an ELF64 little-endian binary needs from its shared
/// libraries: `.dynsym` (the dynamic symbols), `.gnu.version` (one version index per dynamic
/// symbol) and `.gnu.version_r` (the needed versions, per library, with their index). What
/// `objdump -T` prints as `(GLIBC_2.34) pthread_create` for an undefined symbol.
///
/// A pure function of the bytes: every offset is bounds-checked, a malformed file gives
/// `nil` or fewer entries, never a trap (offsets from the file add with wrapping and every read
/// is checked); the loops are bounded by the file size.
struct ELFSymbolVersions: Equatable {
    /// A version the binary needs from a library (one `Vernaux` entry).
    struct Needed: Hashable, Comparable {
        var library: String     // vn_file, e.g. libc.so.6
        var version: String     // vna_name, e.g. GLIBC_2.34
        static func < (a: Needed, b: Needed) -> Bool { (a.library, a.version) < (b.library, b.version) }
    }
    /// An undefined dynamic symbol with the version it binds to (nil: unversioned).
    struct Reference: Hashable {
        var symbol: String
        var version: String?
    }

    var needed: [Needed]
    var references: [Reference]

    init?(_ bytes: [UInt8]) {
        guard let parsed = bytes.withUnsafeBufferPointer({ ELFSymbolVersions(buffer: $0) }) else { return nil }
        self = parsed
    }

    /// The same over a buffer (the fuzz test reads truncated views without copying).
    init?(buffer bytes: UnsafeBufferPointer<UInt8>) {
        let r = Reader(bytes: bytes)
        // e_ident: 0x7f 'E' 'L' 'F', class 2 (64-bit), data 1 (little-endian).
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46,
              bytes[4] == 2, bytes[5] == 1,
              let shoff = r.u64(0x28), let shentsize = r.u16(0x3a), let shnum = r.u16(0x3c),
              shentsize >= 64 else { return nil }
        struct Section { var type: UInt32; var offset: Int; var size: Int; var link: Int; var info: Int }
        var sections: [Section] = []
        for i in 0..<Int(shnum) {
            let base = Int(clamping: shoff) &+ i * Int(shentsize)
            guard let type = r.u32(base &+ 4), let off = r.u64(base &+ 24), let size = r.u64(base &+ 32),
                  let link = r.u32(base &+ 40), let info = r.u32(base &+ 44) else { return nil }
            sections.append(Section(type: type, offset: Int(clamping: off), size: Int(clamping: size),
                                    link: Int(link), info: Int(info)))
        }
        func string(_ table: Section, _ at: UInt32) -> String? {
            let start = table.offset &+ Int(at)
            guard at < table.size, start >= 0, start < bytes.count else { return nil }
            let end = min(bytes.count, table.offset &+ table.size)
            var stop = start
            while stop < end, bytes[stop] != 0 { stop += 1 }
            return String(decoding: bytes[start..<stop], as: UTF8.self)
        }
        let dynsymType: UInt32 = 11, verneedType: UInt32 = 0x6fff_fffe, versymType: UInt32 = 0x6fff_ffff

        // .gnu.version_r: Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 },
        // each with vn_cnt Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }.
        var versionByIndex: [UInt16: String] = [:]
        var needed: [Needed] = []
        for vr in sections where vr.type == verneedType {
            guard vr.link < sections.count else { return nil }
            let strings = sections[vr.link]
            var at = vr.offset
            for _ in 0..<max(vr.info, 0) {                       // sh_info: number of Verneed entries
                guard at >= vr.offset, at &+ 16 <= vr.offset &+ vr.size,
                      let count = r.u16(at &+ 2), let file = r.u32(at &+ 4), let aux = r.u32(at &+ 8),
                      let next = r.u32(at &+ 12), let library = string(strings, file) else { break }
                var a = at &+ Int(aux)
                for _ in 0..<Int(count) {
                    guard a >= vr.offset, a &+ 16 <= vr.offset &+ vr.size,
                          let other = r.u16(a &+ 6), let name = r.u32(a &+ 8), let anext = r.u32(a &+ 12),
                          let version = string(strings, name) else { break }
                    versionByIndex[other & 0x7fff] = version
                    needed.append(Needed(library: library, version: version))
                    if anext < 16 { break }   // 0 ends the chain; entries are 16 bytes apart
                    a = a &+ Int(anext)
                }
                if next < 16 { break }
                at = at &+ Int(next)
            }
        }

        // .dynsym (24-byte Elf64_Sym) and .gnu.version (one u16 per symbol).
        var references: [Reference] = []
        if let dynsym = sections.first(where: { $0.type == dynsymType }), dynsym.link < sections.count {
            let strings = sections[dynsym.link]
            let versym = sections.first(where: { $0.type == versymType })
            for i in 0..<(dynsym.size / 24) {
                let base = dynsym.offset &+ i * 24
                guard let name = r.u32(base), let shndx = r.u16(base + 6) else { break }
                guard shndx == 0, name != 0, let symbol = string(strings, name) else { continue }  // undefined only
                var version: String?
                if let versym, let index = r.u16(versym.offset &+ i * 2), i * 2 + 2 <= versym.size {
                    version = versionByIndex[index & 0x7fff]
                }
                references.append(Reference(symbol: symbol, version: version))
            }
        }
        self.needed = needed.sorted()
        self.references = references
    }

    /// Bounds-checked little-endian reads.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        func value(_ at: Int, _ width: Int) -> UInt64? {
            guard at >= 0, width <= bytes.count, at <= bytes.count - width else { return nil }
            var v: UInt64 = 0
            for k in (0..<width).reversed() { v = v << 8 | UInt64(bytes[at + k]) }
            return v
        }
        func u16(_ at: Int) -> UInt16? { value(at, 2).map { UInt16($0) } }
        func u32(_ at: Int) -> UInt32? { value(at, 4).map { UInt32($0) } }
        func u64(_ at: Int) -> UInt64? { value(at, 8) }
    }
}

/// The symbol-version floor of the installed binary: the newest version of each family the
/// EL 9 family provides (glibc 2.34, GCC 11's libstdc++ and libgcc_s). A needed version of
/// a family not listed here is reported too, so a new dependency is looked at, not let through.
enum SymbolFloor {
    static let newest: [String: [Int]] = [
        "GLIBC": [2, 34],
        "GLIBCXX": [3, 4, 29],
        "CXXABI": [1, 3, 13],
        "GCC": [11, 0, 0],
    ]

    /// "GLIBC_2.34" → ("GLIBC", [2, 34]); nil for names without a numeric suffix (GLIBC_PRIVATE).
    static func split(_ version: String) -> (family: String, numbers: [Int])? {
        guard let underscore = version.lastIndex(of: "_") else { return nil }
        let numbers = version[version.index(after: underscore)...].split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
        return (String(version[..<underscore]), numbers.compactMap { $0 })
    }

    /// Every needed version above the floor, or of an unknown family, with a reason.
    static func violations(_ needed: [ELFSymbolVersions.Needed]) -> [String] {
        needed.compactMap { n in
            guard let (family, numbers) = split(n.version), let floor = newest[family] else {
                return "\(n.library): \(n.version) is not a known versioned family (floor: \(newest.keys.sorted()))"
            }
            return numbers.lexicographicallyPrecedes(floor) || numbers == floor
                ? nil : "\(n.library): \(n.version) is newer than \(family)_\(floor.map(String.init).joined(separator: "."))"
        }
    }
}
