#!/usr/bin/env bash
# Phase 2's serial log, in order: the stand-in picked e2e-broken by zbm.prefer (the trial entry),
# panicked for want of a root file system, then the stand-in booted default from bootfs.
s="$1/phase2.serial"
awk '
  /ZBM-STANDIN: boot environment rpool\/ROOT\/e2e-broken \(zbm.prefer=rpool\/ROOT\/e2e-broken/ && !a {a=NR}
  a && /Kernel panic - not syncing/ && !b {b=NR}
  b && /ZBM-STANDIN: boot environment rpool\/ROOT\/default \(zbm.prefer=none/ && !c {c=NR}
  END { if (!a) print "no trial boot of e2e-broken by zbm.prefer";
        else if (!b) print "the trial kernel did not panic";
        else if (!c) print "no boot of default from bootfs after the panic";
        exit !(a && b && c) }' "$s"
