/// One node of a UEFI device path (UEFI 2.10 §10.2 "Device Path Nodes", §10.3): a 4-byte
/// header (Type UINT8, Sub-Type UINT8, Length UINT16 little endian, the whole node including the
/// header) followed by Length − 4 bytes. The nodes kbe needs are decoded; every other node is
/// kept with its bytes, skipped by its Length.
package enum EFIDevicePathNode: Sendable, Hashable, CustomStringConvertible {
    /// Media Device Path, Hard Drive (Type 4, Sub-Type 1, §10.3.5.1): a partition.
    case hardDrive(EFIHardDriveDevicePath)
    /// Media Device Path, File Path (Type 4, Sub-Type 4, §10.3.5.4): a NUL-terminated UCS-2
    /// path on that partition's file system, e.g. `\EFI\zbm\vmlinuz.EFI`.
    case filePath(String)
    /// End of Hardware Device Path (Type 0x7F): Sub-Type 0xFF ends the whole device path,
    /// Sub-Type 0x01 ends one instance and another follows.
    case end(subType: UInt8)
    /// Any other node, as found.
    case other(type: UInt8, subType: UInt8, data: [UInt8])

    public static let endEntireSubType: UInt8 = 0xFF
    public static let endInstanceSubType: UInt8 = 0x01

    /// efibootmgr's notation for the decoded nodes (`HD(1,GPT,<guid>,0x800,0x60000)`,
    /// `File(\EFI\…)`); others as `Path(type,subtype,hex)`.
    public var description: String {
        switch self {
        case .hardDrive(let hd): return hd.description
        case .filePath(let p): return "File(\(p))"
        case .end(let s): return s == Self.endEntireSubType ? "End" : "EndInstance"
        case .other(let t, let s, let data):
            return "Path(\(t),\(s),\(data.map { byte in let h = String(byte, radix: 16); return h.count == 1 ? "0" + h : h }.joined()))"
        }
    }
}

/// The Hard Drive media device path node (UEFI 2.10 §10.3.5.1, Table 10-49): 42 bytes.
package struct EFIHardDriveDevicePath: Sendable, Hashable, CustomStringConvertible {
    /// 1-based partition number (0 means the whole disk).
    public var partitionNumber: UInt32
    /// Start and size of the partition in logical blocks.
    public var partitionStart: UInt64
    public var partitionSize: UInt64
    /// `0x01` PC-AT (MBR) partition table, `0x02` GPT.
    public var partitionFormat: UInt8
    /// `0x00` none, `0x01` 32-bit MBR signature, `0x02` GUID.
    public var signatureType: UInt8
    /// The 16 signature bytes as stored.
    public var signature: [UInt8]

    public static let nodeLength = 42

    /// The GPT unique partition GUID (`PARTUUID`), when the signature is a GUID.
    public var partitionGUID: String? {
        guard signatureType == 0x02, signature.count == 16 else { return nil }
        return EFIBytes.guid(signature, at: 0)
    }

    /// efibootmgr's `HD(partition,GPT|MBR,signature,start,size)`.
    public var description: String {
        let format: String
        let sig: String
        switch (partitionFormat, signatureType) {
        case (0x02, 0x02): format = "GPT"; sig = partitionGUID ?? ""
        case (0x01, 0x01):
            format = "MBR"
            sig = "0x" + String(EFIBytes.uint32(signature, at: 0), radix: 16)
        default:
            format = "\(partitionFormat)"; sig = "\(signatureType)"
        }
        return "HD(\(partitionNumber),\(format),\(sig),0x\(String(partitionStart, radix: 16)),0x\(String(partitionSize, radix: 16)))"
    }
}

/// A device path: its nodes, ending with (and including) the End node that terminates it.
package struct EFIDevicePath: Sendable, Hashable, CustomStringConvertible {
    public var nodes: [EFIDevicePathNode]

    public init(nodes: [EFIDevicePathNode]) { self.nodes = nodes }

    public var hardDrive: EFIHardDriveDevicePath? {
        for case .hardDrive(let hd) in nodes { return hd }
        return nil
    }

    /// The File Path nodes joined: the loader's path on its partition.
    public var filePath: String? {
        let parts = nodes.compactMap { node -> String? in if case .filePath(let p) = node { return p }; return nil }
        return parts.isEmpty ? nil : parts.joined()
    }

    public var description: String {
        nodes.filter { if case .end(let s) = $0 { return s != EFIDevicePathNode.endEntireSubType }; return true }
            .map(\.description).joined(separator: "/")
    }

    /// Parses the packed device paths in `bytes[start..<end]` (an EFI_LOAD_OPTION's
    /// FilePathList). Linear: every step consumes at least the 4-byte header; a Length below 4
    /// or past `end` is an error, never a loop.
    static func parseList(_ bytes: [UInt8], from start: Int, to end: Int, variable: String)
        throws(EFIVariableError) -> [EFIDevicePath]
    {
        var paths: [EFIDevicePath] = []
        var nodes: [EFIDevicePathNode] = []
        var i = start
        while i < end {
            guard end - i >= 4 else {
                throw .badDevicePathNodeLength(variable: variable, offset: i, length: end - i, available: end - i)
            }
            let type = bytes[i], subType = bytes[i + 1]
            let length = Int(EFIBytes.uint16(bytes, at: i + 2))
            guard length >= 4, length <= end - i else {
                throw .badDevicePathNodeLength(variable: variable, offset: i, length: length, available: end - i)
            }
            let body = i + 4, next = i + length
            switch (type, subType) {
            case (0x04, 0x01):
                guard length == EFIHardDriveDevicePath.nodeLength else {
                    throw .badDevicePathNode(variable: variable, offset: i, node: "Hard Drive", length: length)
                }
                nodes.append(.hardDrive(EFIHardDriveDevicePath(
                    partitionNumber: EFIBytes.uint32(bytes, at: body),
                    partitionStart: EFIBytes.uint64(bytes, at: body + 4),
                    partitionSize: EFIBytes.uint64(bytes, at: body + 12),
                    partitionFormat: bytes[body + 36],
                    signatureType: bytes[body + 37],
                    signature: Array(bytes[(body + 20)..<(body + 36)]))))
            case (0x04, 0x04):
                guard (length - 4) % 2 == 0 else {
                    throw .badDevicePathNode(variable: variable, offset: i, node: "File Path", length: length)
                }
                var units = EFIBytes.codeUnits(bytes, from: body, to: next)
                if let nul = units.firstIndex(of: 0) { units.removeSubrange(nul...) }
                nodes.append(.filePath(EFIBytes.text(units)))
            case (0x7F, _):
                nodes.append(.end(subType: subType))
                if subType == EFIDevicePathNode.endEntireSubType {
                    paths.append(EFIDevicePath(nodes: nodes))
                    nodes = []
                }
            default:
                nodes.append(.other(type: type, subType: subType, data: Array(bytes[body..<next])))
            }
            i = next
        }
        if !nodes.isEmpty { throw .missingDevicePathEnd(variable: variable, offset: end) }
        return paths
    }
}
