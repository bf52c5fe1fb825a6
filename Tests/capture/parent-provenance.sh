#!/bin/bash
# Writes Fixtures/<tool>/PROVENANCE.md: an index of the capture folders below it.
# Usage: parent-provenance.sh TOOL "one-paragraph description"
set -eu
. "$(dirname "$0")/lib.sh"
tool="$1"; desc="$2"; d="$FIX/$tool"
{
    printf '# Fixtures/%s\n\n%s\n\n' "$tool" "$desc"
    printf 'Every file in the folders below is the verbatim output of a real program run on this machine (Debian 12 VM; the debian13 folders in Debian 13 chroots on it),\n'
    printf 'captured by the scripts in Tests/capture/ (see Tests/capture/README.md); nothing was written or edited by hand.\n'
    printf 'Each folder has its own PROVENANCE.md with program version, exact argv, environment, date and method.\n\n'
    printf '## Folders\n\n'
    for sub in "$d"/*/; do
        [ -f "$sub/PROVENANCE.md" ] || continue
        printf -- '- `%s/` — %s; %s\n' "$(basename "$sub")" \
            "$(sed -n '1s/^# //p' "$sub/PROVENANCE.md")" \
            "$(grep -m1 '^- Program/version:' "$sub/PROVENANCE.md" | sed 's/^- //')"
    done
} >"$d/PROVENANCE.md"
