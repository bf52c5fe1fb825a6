import Foundation

/// Column output as `zfs list` prints it: a header, columns padded with two spaces, or with
/// `-H` (scripted mode) tab-separated fields and no header.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]
    /// Columns whose values are right-aligned (sizes, counts).
    public var rightAligned: Set<Int>

    public init(headers: [String], rows: [[String]] = [], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rows = rows
        self.rightAligned = rightAligned
    }

    public func render(scripted: Bool = false) -> String {
        if scripted {
            return rows.map { $0.joined(separator: "\t") + "\n" }.joined()
        }
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                let w = i < widths.count ? widths[i] : cell.count
                let padding = String(repeating: " ", count: max(0, w - cell.count))
                let isLast = i == cells.count - 1
                if rightAligned.contains(i) {
                    out += padding + cell
                } else {
                    out += cell + (isLast ? "" : padding)
                }
                if !isLast { out += "  " }
            }
            return out + "\n"
        }
        return line(headers) + rows.map(line).joined()
    }
}

/// Sizes as `zfs list` prints them without `-p` (libzutil's `zfs_nicenum`): 1024-based,
/// an exact multiple prints as an integer (`96K`), otherwise the most precision that fits in
/// five characters (`4.20G`, `12.5M`, `118M`).
public func humanSize(_ bytes: UInt64) -> String {
    let units: [Character] = ["B", "K", "M", "G", "T", "P", "E"]
    var n = bytes
    var index = 0
    while n >= 1024 && index < units.count - 1 {
        n /= 1024
        index += 1
    }
    let unit = units[index]
    let divisor = UInt64(1) << (10 * UInt64(index))
    if index == 0 || bytes % divisor == 0 { return "\(n)\(unit)" }
    // Fixed-point formatting without Foundation's String(format:) (it dominated `kbe list -s`
    // on 100k checkpoints, Docs/PERFORMANCE.md); rounds half to even like printf's %.Nf.
    let value = Double(bytes) / Double(divisor)
    var text = ""
    for precision in [2, 1, 0] {
        let scale = precision == 2 ? 100.0 : (precision == 1 ? 10.0 : 1.0)
        let scaled = UInt64((value * scale).rounded(.toNearestOrEven))
        let whole = scaled / UInt64(scale)
        if precision == 0 {
            text = "\(whole)"
        } else {
            let fraction = String(scaled % UInt64(scale))
            text = "\(whole)." + String(repeating: "0", count: precision - fraction.count) + fraction
        }
        text.append(unit)
        if text.count <= 5 { break }
    }
    return text
}
