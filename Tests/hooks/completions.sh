#!/bin/bash
# Exercises the bash, zsh and fish completions of kbe against a replayed pool:
# `kbe` on PATH is a wrapper running the real binary with --replay SCENARIO.
# Usage: Tests/hooks/completions.sh KBE_BINARY SCENARIO_DIR
set -euo pipefail
KBE=$(realpath "$1"); SCEN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd); DIST=$HERE/../../Sources/dist/completions
BIN=$(mktemp -d); trap 'rm -rf "$BIN"' EXIT
printf '#!/bin/sh\nexec %s --replay %s "$@"\n' "$KBE" "$SCEN" > "$BIN/kbe"; chmod +x "$BIN/kbe"
export PATH=$BIN:$PATH TZ=UTC

echo "== syntax"
bash -n "$DIST/kbe.bash" && bash -n "$DIST/kupgrade.bash" && echo "bash -n: ok"
zsh -n "$DIST/_kbe" && zsh -n "$DIST/_kupgrade" && echo "zsh -n: ok"
fish -n "$DIST/kbe.fish" && fish -n "$DIST/kupgrade.fish" && echo "fish -n: ok"

echo "== bash"
complete_bash() { # words...; completes the last word
    bash -c 'source "$0"; COMP_WORDS=("${@}"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _kbe; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "; echo' "$DIST/kbe.bash" "$@"
}
echo "kbe <TAB>:              $(complete_bash kbe '')"
echo "kbe list -<TAB>:        $(complete_bash kbe list -)"
echo "kbe activate <TAB>:     $(complete_bash kbe activate '')"
echo "kbe rollback <TAB>:     $(complete_bash kbe rollback '')"
echo "kbe rename <TAB>:       $(complete_bash kbe rename '')"
echo "kbe auto-checkpoint --origin <TAB>: $(complete_bash kbe auto-checkpoint --origin '')"
start=$(date +%s%N); complete_bash kbe activate '' >/dev/null; end=$(date +%s%N)
echo "time for one 'kbe activate <TAB>' (bash start + kbe list -H -s): $(( (end - start) / 1000000 )) ms"

echo "== zsh (real completion system in a pty; the prompt line is echoed after the listing)"
for line in "kbe " "kbe rollback " "kbe activate " "kbe rename " "kbe auto-checkpoint --origin "; do
    echo "$line<TAB>: $(zsh -f "$HERE/zsh-complete.zsh" "$DIST" "$line")"
done

echo "== fish"
fish -c "source $DIST/kbe.fish; complete -C 'kbe activate '" | cut -f1 | sort | tr '\n' ' '; echo
fish -c "source $DIST/kbe.fish; complete -C 'kbe rollback '" | cut -f1 | sort | tr '\n' ' '; echo
fish -c "source $DIST/kbe.fish; complete -C 'kbe li'" | cut -f1 | tr '\n' ' '; echo
