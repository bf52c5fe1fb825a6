import Foundation

/// Which kernel ZFSBootMenu boots next from a boot environment.
///
/// ZFSBootMenu lists the kernels that have an image in the boot environment's `/boot` and boots
/// the newest one (by `KernelRelease` order: numeric runs compare as numbers, so
/// `6.10.0-1-amd64` is newer than `6.9.12-amd64`), unless the boot environment's
/// `org.zfsbootmenu:kernel` property names one: then the newest kernel whose release *contains*
/// that value wins (ZFSBootMenu matches the property as a substring of the kernel file name, so
/// `6.1.0-18` picks `vmlinuz-6.1.0-18-amd64`). When the property matches nothing, ZFSBootMenu falls
/// back to the newest kernel, and so does this function.
package enum NextBootKernel {
    /// - Parameters:
    ///   - kernels: the releases of the installed kernels (those with an image).
    ///   - kernelProperty: the BE's `org.zfsbootmenu:kernel` value; `nil`, empty or `-` when unset.
    /// - Returns: the release that boots next, `nil` when there are no kernels.
    public static func select(from kernels: [KernelRelease], kernelProperty: String? = nil) -> KernelRelease? {
        if let wanted = kernelProperty?.trimmingCharacters(in: .whitespacesAndNewlines), !wanted.isEmpty, wanted != "-" {
            let name = wanted.hasPrefix("vmlinuz-") ? String(wanted.dropFirst("vmlinuz-".count)) : wanted
            if let hit = kernels.filter({ $0.string.contains(name) }).max() { return hit }
        }
        return kernels.max()
    }
}
