/// One line of `/proc/self/mounts`.
public struct MountEntry: Sendable, Hashable, Codable {
    public var source: String
    public var mountpoint: String
    public var fstype: String
    public var options: [String]

    public init(source: String, mountpoint: String, fstype: String, options: [String]) {
        self.source = source
        self.mountpoint = mountpoint
        self.fstype = fstype
        self.options = options
    }
}

/// The kernel's mount table as `/proc/self/mounts` prints it (`show_vfsmnt` in
/// fs/proc_namespace.c): `SOURCE MOUNTPOINT FSTYPE OPTIONS 0 0`, single spaces between fields,
/// and space, tab, newline and backslash inside a field written as `\ooo` octal escapes
/// (`mangle()` → `seq_escape`). Later lines are later mounts: a mount over the same directory
/// hides the earlier one.
public struct MountTable: Sendable, Hashable {
    public var entries: [MountEntry]

    public init(entries: [MountEntry]) { self.entries = entries }

    public static func parse(_ text: String, source: String = "/proc/self/mounts") throws(ParseError) -> MountTable {
        var entries: [MountEntry] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if rawLine.isEmpty { continue }
            let fields = rawLine.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4 else {
                throw ParseError(
                    source: source, line: lineNumber, text: String(rawLine),
                    reason: "expected at least 4 space-separated fields (source, mountpoint, type, options), got \(fields.count)")
            }
            entries.append(
                MountEntry(
                    source: unescape(fields[0]), mountpoint: unescape(fields[1]), fstype: unescape(fields[2]),
                    options: fields[3].split(separator: ",").map { unescape($0) }))
        }
        return MountTable(entries: entries)
    }

    /// Undoes the kernel's `\ooo` escapes; anything that is not a valid escape stays as it is.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        let bytes = Array(field.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), let v = octal(bytes, i + 1)
            {
                out.append(v)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ b: [UInt8], _ at: Int) -> UInt8? {
        guard at + 2 < b.count else { return nil }
        var value = 0
        for k in 0..<3 {
            let c = b[at + k]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(c - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    /// The entry that currently covers `mountpoint` exactly (the last one mounted there).
    public func entry(at mountpoint: String) -> MountEntry? {
        entries.last { $0.mountpoint == mountpoint }
    }

    /// The mount that holds `path`: the longest mountpoint that is `path` or a parent of it
    /// (the last mount wins among equal mountpoints).
    public func mount(holding path: String) -> MountEntry? {
        var best: MountEntry?
        var bestLength = -1
        for e in entries {
            let mp = e.mountpoint
            let covers = mp == "/" || path == mp || path.hasPrefix(mp.hasSuffix("/") ? mp : mp + "/")
            if covers && mp.count >= bestLength {
                best = e
                bestLength = mp.count
            }
        }
        return best
    }

    /// Where a ZFS dataset is mounted (all places, in mount order).
    public func mountpoints(ofDataset dataset: String) -> [String] {
        entries.filter { $0.fstype == "zfs" && $0.source == dataset }.map(\.mountpoint)
    }
}
