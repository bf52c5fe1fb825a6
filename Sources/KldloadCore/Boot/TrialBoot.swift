import Foundation

/// The pieces of a trial boot (Docs/TRIAL.md) that are not ZFS: the `efibootmgr` argv kbe runs,
/// the `zbm.prefer=` argument, the trial's kernel command line additions, and the ZFS user
/// properties that record a pending trial on the BE root. Every argv here was captured on OVMF
/// (Fixtures/efi/ovmf-2022.11-debian12-kbe-commands).
package enum TrialBoot {
    /// The label of the one boot entry kbe creates for trials (never in `BootOrder`).
    public static let entryLabel = "kldload trial"

    /// User properties on the BE root (`rpool/ROOT`) while a trial is pending.
    public static let targetProperty = "org.kldload:trial"
    public static let fromProperty = "org.kldload:trial-from"
    public static let sinceProperty = "org.kldload:trial-since"
    /// What became of the last trial that was not confirmed (`failed DATASET`).
    public static let resultProperty = "org.kldload:trial-result"
    public static let pendingProperties = [targetProperty, fromProperty, sinceProperty]

    /// ZFSBootMenu's property holding the command line of the kernel it boots from a BE.
    public static let commandLineProperty = "org.zfsbootmenu:commandline"

    public static let efivarsMountpoint = EFIBootManagerState.efivarsDirectory

    /// `0006` for 6: the four hex digits efibootmgr takes and prints.
    public static func hex4(_ n: UInt16) -> String { String(EFIBootManagerState.optionName(n).dropFirst(4)) }

    // MARK: efibootmgr argv

    public static func createEntryCommand(disk: String, partition: UInt32, loader: String, loadOptions: String) -> Command {
        Command([
            "efibootmgr", "--create-only", "--disk", disk, "--part", String(partition), "--loader", loader,
            "--label", entryLabel, "--unicode", loadOptions,
        ])
    }

    public static func setBootNextCommand(_ n: UInt16) -> Command { Command(["efibootmgr", "--bootnext", hex4(n)]) }
    public static let deleteBootNextCommand = Command(["efibootmgr", "--delete-bootnext"])
    public static func deleteEntryCommand(_ n: UInt16) -> Command {
        Command(["efibootmgr", "--bootnum", hex4(n), "--delete-bootnum"])
    }


    // MARK: command lines

    /// `zbm.prefer=POOL/ROOT/BE!`: ZFSBootMenu (3.1 and later, zfsbootmenu(7)) boots that dataset
    /// instead of the pool's bootfs; the `!` makes it insist on importing that pool first.
    public static func preferArgument(_ dataset: String) -> String { "zbm.prefer=\(dataset)!" }

    /// The trial entry's load options: the current entry's, without any `zbm.prefer=` of its
    /// own, plus the trial's.
    public static func trialLoadOptions(current: String, target: String) -> String {
        let kept = current.split(separator: " ", omittingEmptySubsequences: true).filter { !$0.hasPrefix("zbm.prefer=") }
        return (kept.map(String.init) + [preferArgument(target)]).joined(separator: " ")
    }

    /// What a trial BE's own command line needs so a failed boot reboots instead of waiting at a
    /// prompt: `panic=30` (kernel panics and initramfs-tools' `panic()`), and on dracut systems
    /// `rd.shell=0 rd.emergency=reboot`. Only what is missing (by key) is returned.
    public static func commandLineAdditions(to commandLine: String?, dracut: Bool) -> [String] {
        let wanted = ["panic=30"] + (dracut ? ["rd.shell=0", "rd.emergency=reboot"] : [])
        let keys = Set((commandLine ?? "").split(separator: " ").map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "" })
        return wanted.filter { !keys.contains(String($0.split(separator: "=")[0])) }
    }

    /// The trial entry among the boot options: labelled `kldload trial`, parsed.
    package static func trialEntries(in state: EFIBootManagerState) -> [UInt16] {
        state.options.compactMap { key, value -> UInt16? in
            if case .success(let o) = value, o.description == entryLabel { return key }
            return nil
        }.sorted()
    }
}

/// A pending trial and the last trial's result, as recorded on the BE root (Docs/TRIAL.md).
///
///     let record = try manager.trialRecord(beRoot: "rpool/ROOT")
///     if record.isPending { print("next boot tries", record.target!) }
public struct TrialRecord: Sendable, Hashable, Codable {
    /// The BE the trial boots (a dataset).
    public var target: String?
    /// The BE that was the default when the trial was armed (the fallback).
    public var from: String?
    public var since: Date?
    /// `failed DATASET` after a fallback (kept until the next trial).
    public var result: String?

    public init(target: String? = nil, from: String? = nil, since: Date? = nil, result: String? = nil) {
        self.target = target
        self.from = from
        self.since = since
        self.result = result
    }

    public var isPending: Bool { target != nil }

    /// From the local properties of the BE root (`zfs get -Hp -s local all BEROOT`).
    package static func from(properties: [(String, String)]) -> TrialRecord {
        var r = TrialRecord()
        for (k, v) in properties {
            switch k {
            case TrialBoot.targetProperty: r.target = v
            case TrialBoot.fromProperty: r.from = v
            case TrialBoot.sinceProperty: r.since = UInt64(v).map { Date(timeIntervalSince1970: TimeInterval($0)) }
            case TrialBoot.resultProperty: r.result = v
            default: break
            }
        }
        return r
    }
}

/// The summary efibootmgr prints after every change (it reads the variables back):
/// `BootNext: 0006`, `BootCurrent: 0001`, `BootOrder: 0001,0000`, `Boot0006* kldload trial`
/// (`*` = active; two spaces when inactive). Lines it does not know are skipped.
package struct EFIBootManagerSummary: Sendable, Hashable {
    public var bootCurrent: UInt16?
    public var bootNext: UInt16?
    public var bootOrder: [UInt16] = []
    public var entries: [(number: UInt16, active: Bool, label: String)] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.bootCurrent == b.bootCurrent && a.bootNext == b.bootNext && a.bootOrder == b.bootOrder
            && a.entries.map(\.number) == b.entries.map(\.number) && a.entries.map(\.label) == b.entries.map(\.label)
            && a.entries.map(\.active) == b.entries.map(\.active)
    }

    public func hash(into h: inout Hasher) {
        h.combine(bootCurrent)
        h.combine(bootNext)
        h.combine(bootOrder)
    }

    /// Pure and linear; never fails (unknown lines are not ours to judge).
    public static func parse(_ text: String) -> EFIBootManagerSummary {
        var s = EFIBootManagerSummary()
        func number(_ t: Substring) -> UInt16? {
            let d = t.trimmingCharacters(in: .whitespaces)
            guard d.utf8.count == 4, d.allSatisfy(\.isHexDigit) else { return nil }
            return UInt16(d, radix: 16)
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("BootNext:") {
                s.bootNext = number(line.dropFirst("BootNext:".count))
            } else if line.hasPrefix("BootCurrent:") {
                s.bootCurrent = number(line.dropFirst("BootCurrent:".count))
            } else if line.hasPrefix("BootOrder:") {
                s.bootOrder = line.dropFirst("BootOrder:".count).split(separator: ",").compactMap(number)
            } else if line.hasPrefix("Boot"), line.utf8.count >= 10 {
                let digits = line.dropFirst(4).prefix(4)
                guard let n = number(digits) else { continue }
                let rest = line.dropFirst(8)
                let active = rest.hasPrefix("*")
                guard rest.hasPrefix("* ") || rest.hasPrefix("  ") else { continue }
                var label = rest.dropFirst(2)
                if let tab = label.firstIndex(of: "\t") { label = label[..<tab] }
                s.entries.append((n, active, String(label)))
            }
        }
        return s
    }

    public func entries(labelled label: String) -> [UInt16] {
        entries.filter { $0.label == label }.map(\.number)
    }
}

/// A disk or partition as lsblk names it, the value of the query `SystemQuery.blockDevices`
/// (kbe finds the disk of the EFI system partition with it for a trial boot entry):
///
///     let esp = try context.run(.blockDevices).first { $0.partitionUUID == uuid }
///
/// One line of `lsblk --pairs --paths --output NAME,PKNAME,PARTUUID`:
/// `NAME="/dev/vda1" PKNAME="/dev/vda" PARTUUID="6b6c…"`.
public struct BlockDevice: Sendable, Hashable {
    public var name: String
    public var parent: String?
    public var partitionUUID: String?

    /// lsblk's `--pairs` format (`KEY="value"`, values with `"`, `\` and unprintable bytes as
    /// `\xHH`). Linear; a line it cannot read is a `ParseError` naming it.
    package static func parseLsblkPairs(_ text: String) throws(ParseError) -> [BlockDevice] {
        var devices: [BlockDevice] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            var fields: [String: String] = [:]
            let b = Array(line.utf8)
            var i = 0
            while i < b.count {
                while i < b.count && b[i] == 0x20 { i += 1 }
                if i >= b.count { break }
                let keyStart = i
                while i < b.count && b[i] != 0x3D { i += 1 }
                guard i + 1 < b.count, b[i + 1] == 0x22 else {
                    throw ParseError(source: "lsblk --pairs", line: lineNumber, text: String(line), reason: "expected KEY=\"value\"")
                }
                let key = String(decoding: b[keyStart..<i], as: UTF8.self)
                i += 2
                var value: [UInt8] = []
                var closed = false
                while i < b.count {
                    if b[i] == 0x22 { closed = true; i += 1; break }
                    if b[i] == 0x5C, i + 3 < b.count, b[i + 1] == 0x78,
                        let h = UInt8(String(decoding: b[(i + 2)...(i + 3)], as: UTF8.self), radix: 16)
                    {
                        value.append(h)
                        i += 4
                        continue
                    }
                    value.append(b[i])
                    i += 1
                }
                guard closed else {
                    throw ParseError(source: "lsblk --pairs", line: lineNumber, text: String(line), reason: "unterminated value of \(key)")
                }
                fields[key] = String(decoding: value, as: UTF8.self)
            }
            guard let name = fields["NAME"] else {
                throw ParseError(source: "lsblk --pairs", line: lineNumber, text: String(line), reason: "no NAME field")
            }
            func nonEmpty(_ s: String?) -> String? { (s?.isEmpty ?? true) ? nil : s }
            devices.append(BlockDevice(name: name, parent: nonEmpty(fields["PKNAME"]), partitionUUID: nonEmpty(fields["PARTUUID"])))
        }
        return devices
    }
}
