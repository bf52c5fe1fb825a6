# kldload: dnf 4 plugin that checkpoints the ZFS boot environment before every
# transaction (kbe auto-checkpoint --origin dnf). Install into dnf's plugin directory
# (python3 -c 'import dnf.const; print(dnf.const.PLUGINPATH)'), with
# kldload_checkpoint.conf in /etc/dnf/plugins/. See kbe(8).
#
# It never fails the transaction: every error is logged as a warning.

import logging
import shlex
import subprocess

import dnf

logger = logging.getLogger("dnf.plugin")

DEFAULT_COMMAND = "/usr/sbin/kbe auto-checkpoint --origin dnf"


class KldloadCheckpoint(dnf.Plugin):
    name = "kldload_checkpoint"

    def __init__(self, base, cli):
        super(KldloadCheckpoint, self).__init__(base, cli)
        self.command = shlex.split(DEFAULT_COMMAND)
        self.installroot_too = False
        self.timeout = 600

    def config(self):
        try:
            conf = self.read_config(self.base.conf)
            if conf.has_option("main", "command"):
                self.command = shlex.split(conf.get("main", "command"))
            if conf.has_option("main", "installroot_too"):
                self.installroot_too = conf.getboolean("main", "installroot_too")
            if conf.has_option("main", "timeout"):
                self.timeout = conf.getint("main", "timeout")
        except Exception as e:  # a broken config must not break dnf
            logger.warning("kldload_checkpoint: ignoring its configuration: %s", e)

    def pre_transaction(self):
        # Called after the transaction is resolved, downloaded and checked, right before
        # rpm changes anything -- and only when there is a transaction.
        try:
            if not self.base.transaction:
                return
            root = self.base.conf.installroot or "/"
            if root != "/" and not self.installroot_too:
                # A transaction into another root does not change the running boot environment.
                logger.debug("kldload_checkpoint: --installroot %s, no checkpoint", root)
                return
            result = subprocess.run(
                self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, timeout=self.timeout, check=False)
            for line in result.stdout.decode("utf-8", "replace").splitlines():
                logger.info("%s", line)
            if result.returncode != 0:
                logger.warning("kldload_checkpoint: %s exited with %d", self.command[0], result.returncode)
        except Exception as e:
            logger.warning("kldload_checkpoint: no checkpoint taken, the transaction goes on: %s", e)
