#!/bin/sh
# The installed binary's symbol floor, size and startup time (Docs/INSTALL.md, "The glibc
# floor"). Usage: Tests/bench/release-binary.sh [BINARY]
#   BINARY defaults to .build-release/release/kldload (Sources/dist/package/build-release).
# Prints: the newest needed version of each family (GLIBC, GLIBCXX, CXXABI, GCC) and the
# symbols that need it, the NEEDED libraries, the size unstripped and stripped, and
# `kbe --version` / `kupgrade --version` through symlinks, timed with hyperfine -N when it is
# installed (Debian package hyperfine), else with a 200-run loop of the shell's `time`.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/.build-release/release/kldload}
[ -x "$bin" ] || { echo "release-binary.sh: no binary at $bin (run Sources/dist/package/build-release)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ln -s "$bin" "$tmp/kbe"; ln -s "$bin" "$tmp/kupgrade"

echo "# release binary: $("$tmp/kbe" --version), $(uname -m), $(. /etc/os-release; echo "$PRETTY_NAME"), $(date -u +%F)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo
echo "## symbol floor (objdump -T: newest version needed per family)"
objdump -T "$bin" > "$tmp/dynsym"
for family in GLIBC GLIBCXX CXXABI GCC; do
    newest=$(grep -o "($family"'_[0-9.]*)' "$tmp/dynsym" | tr -d '()' | sort -uV | tail -1)
    if [ -z "$newest" ]; then echo "$family: none"; continue; fi
    echo "$family: $newest ($(grep -F "($newest)" "$tmp/dynsym" | awk '{print $NF}' | sort | head -8 | tr '\n' ' ')...)"
done
echo "NEEDED: $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
echo "defined in the binary: $(grep -E ' \.text.* (hypot|hypotf|arc4random)$' "$tmp/dynsym" | awk '{print $NF}' | sort | tr '\n' ' ')"
echo
echo "## size"
cp "$bin" "$tmp/stripped"; strip "$tmp/stripped"
echo "unstripped: $(stat -c %s "$bin") bytes; stripped: $(stat -c %s "$tmp/stripped") bytes"
echo
echo "## startup"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 10 --runs 200 --style none --export-json "$tmp/times.json" \
        "$tmp/kbe --version" "$tmp/kupgrade --version" >/dev/null 2>&1
    # median and minimum first: on a shared machine the mean carries other jobs' noise
    python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s: median %.1f ms, min %.1f ms, mean %.1f ms ± %.1f, %d runs (hyperfine -N)" % (r["command"].split("/")[-1],
          r["median"]*1e3, r["min"]*1e3, r["mean"]*1e3, r["stddev"]*1e3, len(r["times"])))' "$tmp/times.json"
else
    for tool in kbe kupgrade; do
        start=$(date +%s%N); i=0
        while [ $i -lt 200 ]; do "$tmp/$tool" --version >/dev/null; i=$((i + 1)); done
        echo "$tool --version: $(( ($(date +%s%N) - start) / 200000 )) us per run (mean of 200, shell loop)"
    done
fi
