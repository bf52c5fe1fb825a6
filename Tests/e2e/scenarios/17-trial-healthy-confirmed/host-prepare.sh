#!/usr/bin/env bash
exec "$(dirname "$0")/../../scripts/trial-host-prepare.sh" "$@"
