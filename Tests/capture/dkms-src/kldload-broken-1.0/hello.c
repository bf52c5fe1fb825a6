// SPDX-License-Identifier: GPL-2.0
/* Deliberately broken module: the compile error is the point (DKMS build failure capture). */
#include <linux/init.h>
#include <linux/module.h>

static int __init kldload_broken_init(void)
{
	return this_symbol_does_not_exist(42);
}

module_init(kldload_broken_init);
MODULE_LICENSE("GPL");
