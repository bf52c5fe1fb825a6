#!/bin/sh
# Builds the release binaries and runs the benchmark, writing the report to stdout and to
# Tests/bench/last-run.md. Usage (from anywhere):
#   Tests/bench/run.sh [--static] [kldload-bench options, e.g. --sizes 1000,10000 --runs 5]
# --static also builds kbe with --static-swift-stdlib (in .build-static) and times its --version.
# See Docs/PERFORMANCE.md.
set -eu
cd "$(dirname "$0")/../.."
static=""
if [ "${1:-}" = "--static" ]; then
    shift
    swift build -c release --product kbe --static-swift-stdlib --scratch-path .build-static
    static="--static-kbe $(swift build -c release --product kbe --static-swift-stdlib --scratch-path .build-static --show-bin-path)/kbe"
fi
swift build -c release --product kldload-bench
# shellcheck disable=SC2086
# The report is committed: the checkout's absolute path is written as "." (repository-relative).
"$(swift build -c release --show-bin-path)/kldload-bench" $static "$@" | sed -u "s|$(pwd)|.|g" | tee Tests/bench/last-run.md
