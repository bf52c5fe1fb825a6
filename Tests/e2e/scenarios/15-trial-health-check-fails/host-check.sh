#!/usr/bin/env bash
# The serial log of phase 2: the firmware started the trial (stand-in with zbm.prefer=e2e-trial),
# the failing check ran, then the default entry booted the previous BE.
s="$1/phase2.serial"
grep -aq 'ZBM-STANDIN: boot environment rpool/ROOT/e2e-trial (zbm.prefer=rpool/ROOT/e2e-trial' "$s" || { echo "no trial boot of e2e-trial by zbm.prefer in $s"; exit 1; }
grep -aq 'E2E-CHECK: failing the health check' "$s" || { echo "the failing health check did not run in $s"; exit 1; }
awk '/ZBM-STANDIN: boot environment rpool\/ROOT\/e2e-trial/ {t=1} t && /ZBM-STANDIN: boot environment rpool\/ROOT\/default \(zbm.prefer=none/ {ok=1} END {exit !ok}' "$s" \
    || { echo "no boot of rpool/ROOT/default from bootfs after the trial in $s"; exit 1; }
