/// A number as ZFS prints it for humans: `zfs_nicenum` / `zfs_nicebytes` in OpenZFS
/// (`lib/libzfs/libzfs_util.c`, later `lib/libzutil`). Exact values below 1024 print as
/// plain integers (`0`, `512`, `512B`); larger ones are divided by powers of 1024 and get a
/// suffix from `KMGTPE` with up to two decimals (`1.50K`, `12.3M`, `123G`). Error counters
/// in `zpool status` use the same scheme (`1.2K`). With `-p` ZFS prints exact integers.
///
/// `value` is therefore exact for plain integers and approximate (±0.5 % of the printed
/// precision) otherwise; `raw` keeps the text as printed. Numbers beyond `UInt64.max`
/// saturate instead of trapping.
public struct NiceNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public var raw: String
    public var value: UInt64
    /// True when `raw` was a plain integer, so `value` is exact.
    public var isExact: Bool

    public init(raw: String, value: UInt64, isExact: Bool) {
        self.raw = raw
        self.value = value
        self.isExact = isExact
    }

    public var description: String { raw }

    /// Parses `0`, `512B`, `1.2K`, `3M`, `12.3G`, `1.81T`, `16E`, and the decimal-comma form a
    /// non-C locale produces (`9,12T`). Returns nil for anything else (including `-`).
    public static func parse<S: StringProtocol>(_ text: S) -> NiceNumber? {
        var raw = String(text)
        return raw.withUTF8 { parse(utf8: $0) }
    }

    /// `parse` on the UTF-8 bytes of the text (`raw` is made from them only for a number).
    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> NiceNumber? {
        guard !bytes.isEmpty, bytes.count <= 40 else { return nil }
        // Zero, what almost every error counter says: the same value, without decoding a String.
        if bytes.count == 1 && bytes[0] == 0x30 { return NiceNumber(raw: "0", value: 0, isExact: true) }
        // Optional suffix letter, then an optional trailing "B" for the byte variant.
        var end = bytes.count
        var power = 0
        if bytes[end - 1] == UInt8(ascii: "B") || bytes[end - 1] == UInt8(ascii: "b") {
            end -= 1
        }
        if end > 0, let p = suffixPower(bytes[end - 1]) {
            power = p
            end -= 1
        }
        guard end > 0 else { return nil }
        var integer: UInt64 = 0
        var integerOverflow = false
        var fraction = 0.0
        var scale = 0.1
        var seenPoint = false
        var digits = 0
        for b in UnsafeBufferPointer(rebasing: bytes[..<end]) {
            if b >= 0x30 && b <= 0x39 {
                digits += 1
                let d = UInt64(b - 0x30)
                if seenPoint {
                    fraction += Double(d) * scale
                    scale /= 10
                } else {
                    let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.addingReportingOverflow(d)
                    if o1 || o2 { integerOverflow = true } else { integer = s }
                }
            } else if (b == UInt8(ascii: ".") || b == UInt8(ascii: ",")) && !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        let raw = String(decoding: bytes, as: UTF8.self)
        if power == 0 && !seenPoint {
            if integerOverflow { return NiceNumber(raw: raw, value: .max, isExact: false) }
            return NiceNumber(raw: raw, value: integer, isExact: true)
        }
        var approx = (integerOverflow ? Double(UInt64.max) : Double(integer)) + fraction
        for _ in 0..<power { approx *= 1024 }
        return NiceNumber(raw: raw, value: saturatingUInt64(approx), isExact: false)
    }

    static func suffixPower(_ b: UInt8) -> Int? {
        switch b | 0x20 {  // lower-case ASCII letters
        case UInt8(ascii: "k"): return 1
        case UInt8(ascii: "m"): return 2
        case UInt8(ascii: "g"): return 3
        case UInt8(ascii: "t"): return 4
        case UInt8(ascii: "p"): return 5
        case UInt8(ascii: "e"): return 6
        case UInt8(ascii: "z"): return 7
        default: return nil
        }
    }
}

/// Converts a non-negative Double to UInt64 without trapping (NaN → 0, too big → max).
@inlinable
func saturatingUInt64(_ d: Double) -> UInt64 {
    guard d.isFinite, d > 0 else { return 0 }
    if d >= 18_446_744_073_709_549_568.0 { return .max }
    return UInt64(d)
}

/// Exact decimal parsing on UTF-8 bytes without trapping: nil for anything but `[0-9]+`,
/// or on overflow.
@inlinable
func parseExactUInt64<S: StringProtocol>(_ text: S) -> UInt64? {
    var value: UInt64 = 0
    var count = 0
    for b in text.utf8 {
        guard b >= 0x30 && b <= 0x39 else { return nil }
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
        if o1 || o2 { return nil }
        value = s
        count += 1
    }
    return count > 0 ? value : nil
}
