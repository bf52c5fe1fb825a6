// SPDX-License-Identifier: GPL-2.0
/* Tiny out-of-tree module used only to capture real DKMS/modinfo output. */
#include <linux/init.h>
#include <linux/module.h>

static int __init kldload_hello_init(void)
{
	pr_info("kldload_hello: loaded\n");
	return 0;
}

static void __exit kldload_hello_exit(void)
{
	pr_info("kldload_hello: unloaded\n");
}

module_init(kldload_hello_init);
module_exit(kldload_hello_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("kldload capture");
MODULE_DESCRIPTION("kldload DKMS capture test module");
MODULE_VERSION("1.0");
