#!/usr/bin/env bash
# Phase 5's serial log, in this order: the stand-in booted B by zbm.prefer (the trial entry), the
# failing check ran, then the stand-in booted A from bootfs (no zbm.prefer).
s="$1/phase5.serial"
awk '
  /ZBM-STANDIN: boot environment rpool\/ROOT\/upgrade-b \(zbm.prefer=rpool\/ROOT\/upgrade-b/ && !a {a=NR}
  a && /E2E-CHECK: kldload-demo 3.0 health check fails/ && !b {b=NR}
  b && /ZBM-STANDIN: boot environment rpool\/ROOT\/upgrade-a \(zbm.prefer=none/ && !c {c=NR}
  END { if (!a) print "no trial boot of upgrade-b by zbm.prefer";
        else if (!b) print "the failing health check of kldload-demo 3.0 did not run in the trial";
        else if (!c) print "no boot of upgrade-a from bootfs after the trial";
        exit !(a && b && c) }' "$s"
