#!/usr/bin/env bash
# check-trial-fallback.sh SERIAL_LOG
# The boot sequence of a trial that cannot boot, in this order in one serial log: the stand-in
# picked e2e-broken by zbm.prefer (the trial entry), that kernel panicked for want of a root
# file system, then the stand-in booted default from bootfs. Prints what is missing; exit 1 then.
awk '
  /ZBM-STANDIN: boot environment rpool\/ROOT\/e2e-broken \(zbm.prefer=rpool\/ROOT\/e2e-broken/ && !a {a=NR}
  a && /Kernel panic - not syncing/ && !b {b=NR}
  b && /ZBM-STANDIN: boot environment rpool\/ROOT\/default \(zbm.prefer=none/ && !c {c=NR}
  END { if (!a) print "no trial boot of e2e-broken by zbm.prefer";
        else if (!b) print "the trial kernel did not panic";
        else if (!c) print "no boot of default from bootfs after the panic";
        exit !(a && b && c) }' "$1"
