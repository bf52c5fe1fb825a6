#!/usr/bin/env bash
# Phase 2's serial log: trial of e2e-broken by zbm.prefer, its panic, then default from bootfs.
exec "$(dirname "$0")/../../scripts/check-trial-fallback.sh" "$1/phase2.serial"
