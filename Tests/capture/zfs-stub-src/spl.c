// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for OpenZFS's spl.ko, built by Tests/capture/dnf-zfs.sh only so that a real
 * `modinfo` can be run on a real module file whose vermagic names an EL9 or Fedora kernel
 * release (see the PROVENANCE.md of the dnf-zfs capture folders). It is not OpenZFS and does nothing.
 */
#include <linux/module.h>

static int __init spl_stub_init(void) { return 0; }
static void __exit spl_stub_exit(void) {}
module_init(spl_stub_init);
module_exit(spl_stub_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kldload capture stand-in named spl (not OpenZFS)");
MODULE_VERSION(STUB_VERSION);
