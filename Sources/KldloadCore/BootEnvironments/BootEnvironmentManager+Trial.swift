import Foundation

/// What `kbe trial-check` is asked to do (the systemd units call it; Docs/TRIAL.md).
public enum TrialCheckMode: String, Sendable, Hashable, Codable {
    /// After `boot-complete.target`: confirm a healthy trial, or record a fallback.
    case settle
    /// `kldload-health.service`: exit non-zero when this boot is not healthy.
    case health
    /// `kldload-trial-timeout.service`: reboot when this is an unconfirmed trial boot.
    case timeout
}

/// The trial as `--json` shows it (`"trial": {…}`), in `KBEReport.trial` and kupgrade's
/// report: a `TrialRecord` plus the boot entry it uses.
public struct TrialInfo: Sendable, Codable, Hashable {
    /// The BE the trial boots.
    public var target: String?
    /// The BE that was the default when the trial was armed (the fallback).
    public var from: String?
    /// When the trial was armed.
    public var since: Date?
    /// `failed DATASET` after a fallback.
    public var result: String?
    /// A trial is armed and not yet confirmed or fallen back.
    public var pending: Bool
    /// The trial boot entry (`Boot####` number, four hex digits) and `BootNext`, when read.
    public var entry: String?
    public var bootNext: String?

    init(_ r: TrialRecord, entry: UInt16? = nil, bootNext: UInt16? = nil) {
        target = r.target
        from = r.from
        since = r.since
        result = r.result
        pending = r.isPending
        self.entry = entry.map(TrialBoot.hex4)
        self.bootNext = bootNext.map(TrialBoot.hex4)
    }
}

extension BootEnvironmentManager {
    // MARK: reading

    /// The trial record on the BE root: one `zfs get -Hp -s local all BEROOT` (text on every
    /// release, DESIGN item 19).
    public func trialRecord(beRoot: String) throws(KBEError) -> TrialRecord {
        let props = try value(SystemQuery.localProperties(of: beRoot).textOnly, doing: "reading the trial properties of \(beRoot)")
        return TrialRecord.from(properties: props.map { ($0.name, $0.rawValue) })
    }

    /// The UEFI boot variables, refusing (changing nothing) where a trial cannot work.
    func uefiStateForTrial(_ state: BootEnvironmentState) throws(KBEError) -> EFIBootManagerState {
        guard context.files.isDirectory("/sys/firmware/efi") else {
            throw KBEError(
                .refused,
                "this system did not boot through UEFI (/sys/firmware/efi does not exist): a trial boot needs the firmware's one-shot BootNext",
                hint: "use kbe activate TARGET (permanent; pick the old BE in ZFSBootMenu's menu if it fails)")
        }
        if let m = state.mounts.entry(at: TrialBoot.efivarsMountpoint), m.fstype == "efivarfs", m.options.contains("ro") {
            throw KBEError(
                .refused, "efivarfs is mounted read-only at \(TrialBoot.efivarsMountpoint): kbe cannot create the trial entry or set BootNext",
                hint: "mount -o remount,rw \(TrialBoot.efivarsMountpoint), then run the same kbe command again")
        }
        do { return try EFIBootManagerState.read(from: context.files) } catch {
            throw KBEError(.commandFailed, "reading the UEFI boot variables: \(error)", hint: "nothing was changed")
        }
    }

    /// The entry that booted this system (`BootCurrent`), as kbe needs it for a trial copy.
    func currentBootEntry(_ efi: EFIBootManagerState, secureBoot: SecureBootState)
        throws(KBEError) -> (number: UInt16, option: EFILoadOption, loadOptions: String, hardDrive: EFIHardDriveDevicePath, loader: String)
    {
        let hint = "boot through the ZFSBootMenu entry (efibootmgr -v lists the entries), then run the same kbe command again"
        guard let n = efi.bootCurrent else {
            throw KBEError(
                .refused, "the firmware did not say which boot entry started this system (no BootCurrent variable)",
                hint: "check that efivarfs is mounted at \(TrialBoot.efivarsMountpoint); " + hint)
        }
        let name = EFIBootManagerState.optionName(n)
        guard let parsed = efi.options[n] else {
            throw KBEError(.refused, "BootCurrent names \(name), but there is no such boot entry", hint: hint)
        }
        let option: EFILoadOption
        switch parsed {
        case .success(let o): option = o
        case .failure(let e): throw KBEError(.refused, "BootCurrent names \(name), which kbe cannot read: \(e)", hint: hint)
        }
        if option.description == TrialBoot.entryLabel {
            throw KBEError(
                .refused, "this boot is itself a trial boot (BootCurrent is \(name) \"\(TrialBoot.entryLabel)\")",
                hint: "kbe confirm keeps this boot environment, kbe activate --cancel-trial drops the trial")
        }
        guard let hd = option.hardDrive, hd.partitionGUID != nil, let loader = option.loaderPath else {
            throw KBEError(
                .refused,
                "BootCurrent \(name) \"\(option.description)\" is not a loader on a GPT partition (\(option.devicePath?.description ?? "no device path")): kbe cannot make a ZFSBootMenu trial entry from it",
                hint: hint)
        }
        guard let text = option.loadOptions else {
            throw KBEError(
                .refused, "BootCurrent \(name) \"\(option.description)\" carries binary load options, not a ZFSBootMenu command line",
                hint: hint)
        }
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            if secureBoot.mode == .enabled {
                throw KBEError(
                    .refused,
                    "BootCurrent \(name) \"\(option.description)\" (\(loader)) has no load options: it is a ZFSBootMenu bundle whose command line is inside the signed image, and under Secure Boot that command line cannot change without signing the image again",
                    hint: "use ZFSBootMenu's components layout (kernel and initramfs as separate files, command line in the boot entry), or use kbe activate TARGET")
            }
            throw KBEError(
                .refused,
                "BootCurrent \(name) \"\(option.description)\" (\(loader)) has no load options: a ZFSBootMenu bundle whose command line is inside the image; load options would replace that whole command line",
                hint: "use ZFSBootMenu's components layout (command line in the boot entry), or use kbe activate TARGET")
        }
        return (n, option, text, hd, loader)
    }

    /// The disk that holds the partition with this GPT unique GUID (one `lsblk`).
    func disk(holdingPartition guid: String) throws(KBEError) -> String {
        let devices = try value(.blockDevices, doing: "finding the disk of the EFI system partition")
        guard let part = devices.first(where: { $0.partitionUUID?.lowercased() == guid.lowercased() }), let disk = part.parent else {
            throw KBEError(
                .refused, "no block device has the partition GUID \(guid) of the boot entry's EFI system partition",
                hint: "check lsblk -o NAME,PKNAME,PARTUUID; nothing was changed")
        }
        return disk
    }

    /// `org.zfsbootmenu:commandline` of a dataset (value, and whether it is set locally).
    func zfsBootMenuCommandLine(of dataset: String) throws(KBEError) -> (value: String?, local: Bool) {
        let props = try value(.property(TrialBoot.commandLineProperty, withSourceOf: dataset),
                              doing: "reading \(TrialBoot.commandLineProperty) of \(dataset)")
        guard let p = props.first(where: { $0.name == TrialBoot.commandLineProperty }), p.rawValue != "-" || p.source != .none
        else { return (nil, false) }
        return (p.rawValue, p.source == .local)
    }

    func refuseIfPending(_ record: TrialRecord) throws(KBEError) {
        if let t = record.target {
            throw KBEError(
                .refused, "a trial of \(t) is already pending (since \(record.since.map { ISO8601DateFormatter().string(from: $0) } ?? "?"))",
                hint: "kbe confirm keeps it, kbe activate --cancel-trial drops it; then arm a new one")
        }
    }

    // MARK: activate --trial

    /// `kbe activate --trial TARGET`: the next boot, and only the next, goes to TARGET (a BE, or a
    /// checkpoint cloned first as `activate` does); `bootfs` stays, so any failure falls back.
    /// The library entry point an out-of-place upgrade calls. Docs/TRIAL.md.
    public func activateTrial(_ text: String) throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("activate", state: state)
        let target = try resolve(text, in: state)
        let pkg = packageDatabase(state)
        out.report.packageDatabase = pkg
        // 1. Refusals that need no firmware.
        if case .environment(let be) = target {
            if be.isActiveNow {
                throw KBEError(
                    .refused, "\(be.dataset) is the running boot environment: a trial boots another one",
                    hint: "name another BE or a checkpoint (kbe list -s)")
            }
            if be.dataset == state.bootfs {
                throw KBEError(
                    .refused, "\(be.dataset) is already the pool's bootfs: every boot uses it, a trial would change nothing",
                    hint: "kbe activate ANOTHER_BE makes another BE the default; then a trial of this one is possible")
            }
        }
        guard let fallback = state.bootfs else {
            throw KBEError(
                .refused, "the pool \(state.layout.pool) has no bootfs: a failed trial would have no default to fall back to",
                hint: "kbe activate BE sets the default first")
        }
        let record = try trialRecord(beRoot: state.layout.beRoot)
        try refuseIfPending(record)
        // 2. Firmware.
        let efi = try uefiStateForTrial(state)
        let secureBoot = (try? SecureBootParser.read(from: context.files)) ?? SecureBootState(mode: .unsupported, source: .efivars)
        let current = try currentBootEntry(efi, secureBoot: secureBoot)
        let disk = try disk(holdingPartition: current.hardDrive.partitionGUID ?? "")
        // 3. The plan: stale trial entries, the clone, the command line, the entry, the record, BootNext.
        var plan = BEPlan()
        let stale = TrialBoot.trialEntries(in: efi)
        for n in stale { plan.append(PlanStep(.run(TrialBoot.deleteEntryCommand(n)))) }
        let next: String
        let commandLineSource: String
        switch target {
        case .environment(let be):
            next = be.dataset
            commandLineSource = be.dataset
        case .checkpoint(let be, let cp):
            let clone = try checkpointClone(be, cp, state: state, pkg: pkg, doing: "a trial of checkpoint \(cp.fullName)")
            next = clone.next
            plan.steps += clone.steps
            out.report.created = [next]
            commandLineSource = be.dataset
        }
        let cmdline = try zfsBootMenuCommandLine(of: commandLineSource)
        let dracut = context.files.isDirectory("/usr/lib/dracut")
        let additions = TrialBoot.commandLineAdditions(to: cmdline.value, dracut: dracut)
        if !additions.isEmpty {
            let newLine = ((cmdline.value.map { [$0] } ?? []) + additions).joined(separator: " ")
            let undo: [[String]] =
                cmdline.local
                ? [["zfs", "set", "\(TrialBoot.commandLineProperty)=\(cmdline.value ?? "")", next]]
                : [["zfs", "inherit", TrialBoot.commandLineProperty, next]]
            plan.append(.run(["zfs", "set", "\(TrialBoot.commandLineProperty)=\(newLine)", next], undo: undo))
        }
        let loadOptions = TrialBoot.trialLoadOptions(current: current.loadOptions, target: next)
        // efibootmgr takes the lowest free number (find_free_boot_var); the real one is read
        // from its output before BootNext is set.
        let taken = Set(efi.options.keys).subtracting(stale)
        var predicted: UInt16 = 0
        while taken.contains(predicted) && predicted < UInt16.max { predicted += 1 }
        let createIndex = plan.steps.count
        plan.append(
            PlanStep(
                .run(TrialBoot.createEntryCommand(
                    disk: disk, partition: current.hardDrive.partitionNumber, loader: current.loader, loadOptions: loadOptions)),
                undo: [TrialBoot.deleteEntryCommand(predicted)]))
        let since = UInt64(max(0, context.now().timeIntervalSince1970.rounded(.down)))
        plan.append(
            .run(
                ["zfs", "set", "\(TrialBoot.targetProperty)=\(next)", "\(TrialBoot.fromProperty)=\(fallback)",
                    "\(TrialBoot.sinceProperty)=\(since)", state.layout.beRoot],
                undo: TrialBoot.pendingProperties.map { ["zfs", "inherit", $0, state.layout.beRoot] }))
        plan.append(PlanStep(.run(TrialBoot.setBootNextCommand(predicted)), undo: [TrialBoot.deleteBootNextCommand]))
        out.report.target = next
        out.report.nextBoot = next
        out.report.trial = TrialInfo(
            TrialRecord(target: next, from: fallback, since: Date(timeIntervalSince1970: TimeInterval(since))),
            entry: predicted, bootNext: predicted)
        if !additions.isEmpty {
            out.say("[kbe] \(next): adding \(additions.joined(separator: " ")) to \(TrialBoot.commandLineProperty) so a failed boot reboots instead of waiting at a prompt")
        }
        if options.dryRun {
            try carryOut(plan, output: &out)
            out.say("  (the entry number \(TrialBoot.hex4(predicted)) is the lowest free one, which efibootmgr takes)")
            return out
        }
        out.report.plan = plan.steps.map(\.argv)
        // Up to the entry; then read its number back from efibootmgr's own listing.
        let first = try PlanExecutor.execute(plan, context: context, progress: progress, steps: 0..<(createIndex + 1))
        let listed = EFIBootManagerSummary.parse(first[createIndex]?.stdout ?? "").entries(labelled: TrialBoot.entryLabel)
        guard let number = listed.last else {
            throw PlanExecutor.failureReport(
                plan: plan, failedAt: createIndex,
                reason: "efibootmgr did not list an entry labelled \"\(TrialBoot.entryLabel)\" after creating it")
        }
        if number != predicted {
            plan.steps[createIndex].undo = [TrialBoot.deleteEntryCommand(number)]
            plan.steps[plan.steps.count - 1] = PlanStep(.run(TrialBoot.setBootNextCommand(number)), undo: [TrialBoot.deleteBootNextCommand])
            out.report.plan = plan.steps.map(\.argv)
            out.report.trial?.entry = TrialBoot.hex4(number)
        }
        let rest = try PlanExecutor.execute(
            plan, context: context, progress: progress, steps: (createIndex + 1)..<plan.steps.count)
        // BootNext read back from efibootmgr's listing after it set it.
        let after = EFIBootManagerSummary.parse(rest[plan.steps.count - 1]?.stdout ?? "")
        guard after.bootNext == number else {
            throw KBEError(
                .commandFailed,
                "efibootmgr --bootnext \(TrialBoot.hex4(number)) succeeded, but BootNext reads back as \(after.bootNext.map(TrialBoot.hex4) ?? "unset"): this firmware does not keep BootNext",
                hint: "kbe activate --cancel-trial removes the trial; use kbe activate TARGET on this machine")
        }
        out.report.executed = true
        out.report.trial?.bootNext = TrialBoot.hex4(number)
        if case .checkpoint(_, let cp) = target { out.say("[kbe] Created boot environment \(next) from checkpoint \(cp.fullName)") }
        out.say("[kbe] Trial armed: the next boot (only) uses \(next), through boot entry \(EFIBootManagerState.optionName(number)) \"\(TrialBoot.entryLabel)\" (BootNext)")
        out.say("[kbe] The default stays \(fallback): if \(next) does not reach boot-complete.target, the boot after it is \(fallback) again")
        out.say("[kbe] A healthy trial is confirmed by itself (kldload-trial-confirm.service); kbe confirm keeps it by hand, kbe activate --cancel-trial drops it")
        return out
    }

    // MARK: confirm

    /// `kbe confirm`: the trial BE becomes the default (`bootfs`), the record is cleared and the
    /// trial entry deleted. Run in the trial boot (by kldload-trial-confirm.service or by hand).
    public func confirmTrial() throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("confirm", state: state)
        let record = try trialRecord(beRoot: state.layout.beRoot)
        guard let target = record.target else {
            throw KBEError(.notFound, "no trial is pending on \(state.layout.beRoot)", hint: "kbe list shows the boot environments")
        }
        guard state.layout.runningBE == target else {
            throw KBEError(
                .refused,
                "the trial of \(target) has not booted: the running boot environment is \(state.layout.runningBE ?? "none")",
                hint: "reboot to try it, kbe activate \(target.split(separator: "/").last.map(String.init) ?? target) to make it the default without a trial, or kbe activate --cancel-trial")
        }
        var plan = BEPlan()
        if state.bootfs != target {
            plan.append(
                .run(["zpool", "set", "bootfs=\(target)", state.layout.pool],
                     undo: state.bootfs.map { [["zpool", "set", "bootfs=\($0)", state.layout.pool]] } ?? []))
        }
        plan.steps += try clearingSteps(record, state: state, out: &out)
        out.report.target = target
        out.report.nextBoot = target
        out.report.trial = TrialInfo(record)
        try carryOut(plan, output: &out)
        if !options.dryRun { out.say("[kbe] Trial confirmed: \(target) is the default boot environment (bootfs) from now on") }
        return out
    }

    /// Clearing a trial: BootNext if it still names the trial entry, the trial entries, the
    /// record. Reads the firmware when this machine has it.
    func clearingSteps(_ record: TrialRecord, state: BootEnvironmentState, out: inout KBEOutput) throws(KBEError) -> [PlanStep] {
        var steps: [PlanStep] = []
        if context.files.isDirectory("/sys/firmware/efi") {
            let efi = try uefiStateForTrial(state)
            let entries = TrialBoot.trialEntries(in: efi)
            if let next = efi.bootNext, entries.contains(next) { steps.append(PlanStep(.run(TrialBoot.deleteBootNextCommand))) }
            for n in entries { steps.append(PlanStep(.run(TrialBoot.deleteEntryCommand(n)))) }
            out.report.trial = TrialInfo(record, entry: entries.last, bootNext: efi.bootNext)
        }
        let set: [String] = TrialBoot.pendingProperties.filter { p in
            switch p {
            case TrialBoot.targetProperty: return record.target != nil
            case TrialBoot.fromProperty: return record.from != nil
            default: return record.since != nil
            }
        }
        for p in set { steps.append(.run(["zfs", "inherit", p, state.layout.beRoot])) }
        return steps
    }

    // MARK: cancel

    /// `kbe activate --cancel-trial`: BootNext (if still set), the trial entry and the record go;
    /// the default boot environment is unchanged.
    public func cancelTrial() throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("activate", state: state)
        let record = try trialRecord(beRoot: state.layout.beRoot)
        guard let target = record.target else {
            throw KBEError(.notFound, "no trial is pending on \(state.layout.beRoot)", hint: "nothing to cancel")
        }
        var plan = BEPlan()
        plan.steps += try clearingSteps(record, state: state, out: &out)
        if out.report.trial == nil { out.report.trial = TrialInfo(record) }
        out.report.target = target
        out.report.nextBoot = state.bootfs
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Trial of \(target) cancelled; the next boot uses the default \(state.bootfs ?? "(no bootfs)")")
        }
        return out
    }

    // MARK: trial-check

    /// `kbe trial-check`: what the systemd units run at boot (Docs/TRIAL.md).
    public func trialCheck(_ mode: TrialCheckMode) throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("trial-check", state: state)
        if mode == .health { return try healthCheck(state, out: out) }
        let record = try trialRecord(beRoot: state.layout.beRoot)
        out.report.trial = TrialInfo(record)
        guard let target = record.target else {
            out.say("[kbe] no trial pending")
            out.report.executed = false
            return out
        }
        let efi = try uefiStateForTrial(state)
        let entries = TrialBoot.trialEntries(in: efi)
        out.report.trial = TrialInfo(record, entry: entries.last, bootNext: efi.bootNext)
        if let next = efi.bootNext, entries.contains(next) {
            // BootNext still armed: the trial boot has not happened yet (this is the boot that armed it).
            out.say("[kbe] trial of \(target) armed for the next boot (BootNext \(TrialBoot.hex4(next))); nothing to do now")
            out.report.executed = false
            return out
        }
        let inTrialBoot = efi.bootCurrent.map { entries.contains($0) } ?? false
        switch mode {
        case .health: return out
        case .timeout:
            guard inTrialBoot, state.layout.runningBE == target else {
                out.say("[kbe] not an unconfirmed trial boot; nothing to do")
                out.report.executed = false
                return out
            }
            let plan = BEPlan([.run(["systemctl", "reboot"])])
            out.warn("[kbe] trial of \(target) not confirmed in time: rebooting; the next boot is the default \(state.bootfs ?? "-")")
            try carryOut(plan, output: &out)
            return out
        case .settle:
            if inTrialBoot && state.layout.runningBE == target {
                var confirmed = try confirmTrial()
                confirmed.report.command = "trial-check"
                return confirmed
            }
            // A fallback (the firmware booted the default), or another BE chosen in the menu.
            let word = inTrialBoot ? "not-attempted" : "failed"
            var plan = BEPlan(try clearingSteps(record, state: state, out: &out))
            plan.steps.insert(.run(["zfs", "set", "\(TrialBoot.resultProperty)=\(word) \(target)", state.layout.beRoot]), at: 0)
            try carryOut(plan, output: &out)
            out.report.trial?.result = "\(word) \(target)"
            out.warn(
                inTrialBoot
                    ? "[kbe] the trial boot ran \(state.layout.runningBE ?? "another boot environment") instead of \(target) (chosen in the menu): trial recorded as not attempted and cleared"
                    : "[kbe] trial of \(target) FAILED: this boot fell back to \(state.layout.runningBE ?? state.bootfs ?? "the default"); recorded in \(TrialBoot.resultProperty) on \(state.layout.beRoot) and cleared")
            return out
        }
    }

    /// kldload-health.service: root is a boot environment, its pool is ONLINE, the running
    /// kernel's ZFS module is loaded. A failure keeps boot-complete.target from being reached.
    func healthCheck(_ state: BootEnvironmentState, out: KBEOutput) throws(KBEError) -> KBEOutput {
        var out = out
        guard let running = state.layout.runningBE else {
            throw KBEError(.refused, "unhealthy: / is not a boot environment under \(state.layout.beRoot)", hint: "see kbe list")
        }
        guard context.files.isDirectory("/sys/module/zfs") else {
            throw KBEError(.refused, "unhealthy: the zfs module is not loaded (/sys/module/zfs is absent)", hint: "see dmesg and dkms status")
        }
        // Text on every release (DESIGN item 19); read whatever the exit status (a failed
        // `zpool get` prints no health, which is "unknown").
        let answer = try ask(SystemQuery.poolProperties(SystemProbes.poolProperties, pool: state.layout.pool).textOnly,
                             doing: "reading the health of pool \(state.layout.pool)")
        let props: [ZFSProperty]
        do { props = try answer.value() } catch { throw KBEError.parse(error) }
        let health = PoolState(ZpoolGetParser.value("health", pool: state.layout.pool, in: props) ?? "unknown")
        guard health == .online else {
            throw KBEError(.refused, "unhealthy: pool \(state.layout.pool) is \(health)", hint: "zpool status \(state.layout.pool)")
        }
        out.say("[kbe] healthy: \(running) on pool \(state.layout.pool) (ONLINE), zfs module loaded")
        return out
    }
}
