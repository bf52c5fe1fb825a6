# Shared by the hook tests (apt.sh, dnf.sh, pacman.sh). Source it; needs bash.
# Each test runs the REAL package manager on a throwaway package, with the hook file from
# Sources/dist/hooks rewritten to call the real kbe binary with --replay SCENARIO (this
# machine has no ZFS). SCENARIO is the captured Fixtures/scenarios/kbe-openzfs-2.1-bes plus
# two recordings this script adds (see make_scenario); every command kbe runs must match a
# recording argv byte for byte, so a replay that succeeds proves the exact zfs snapshot argv.
set -euo pipefail
HOOKS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HOOKS_DIR/../.." && pwd)
# Logs are committed: the checkout's absolute path is written as "." (repository-relative).
log_to() { exec > >(sed -u "s|$REPO_DIR|.|g" | tee "$1") 2>&1; }
TOP=$(cd "$HOOKS_DIR/../.." && pwd)
DIST=$TOP/Sources/dist
BASE_SCENARIO=$TOP/Fixtures/scenarios/kbe-openzfs-2.1-bes
export TZ=UTC LC_ALL=C

# say: print a command, then run it, showing its exit status (never aborts the test).
say() {
    echo
    echo "\$ $*"
    local rc=0
    "$@" 2>&1 || rc=$?
    echo "[exit status $rc]"
    return 0
}

# make_scenario ORIGIN DIR KBE: a copy of the captured scenario with
#   commands/003: AutoCheckpoint's origin listing (zfs list ... org.kldload:origin ...), its
#     stdout derived from the captured listing 002 (the same snapshots, same creation times;
#     the captured pool had no org.kldload:origin / kupgrade-version properties, so '-');
#   commands/004: the zfs snapshot argv that `kbe auto-checkpoint --dry-run --json` plans for
#     ORIGIN, exit 0 with no output (what zfs snapshot prints on success).
# These two recordings are synthesized, not captured; SYNTHESIZED.md in the copy says so.
make_scenario() {
    local origin=$1 dir=$2 kbe=$3
    rm -rf "$dir"; cp -a "$BASE_SCENARIO" "$dir"
    mkdir -p "$dir/commands/003"
    printf '%s\n' zfs list -Hp -t snapshot -d 1 -s creation -o \
        name,creation,org.kldload:origin,org.kldload:kupgrade-version rpool/ROOT/default > "$dir/commands/003/argv"
    awk -F'\t' '$2 == "snapshot" && index($1, "rpool/ROOT/default@") == 1 { printf "%s\t%s\t-\t-\n", $1, $12 }' \
        "$BASE_SCENARIO/commands/002/stdout" > "$dir/commands/003/stdout"
    "$kbe" --replay "$dir" --json --dry-run auto-checkpoint --origin "$origin" > "$dir.plan.json"
    mkdir -p "$dir/commands/004"
    python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["plan"][0]))' < "$dir.plan.json" > "$dir/commands/004/argv"
    cat > "$dir/SYNTHESIZED.md" <<MD
Copy of Fixtures/scenarios/kbe-openzfs-2.1-bes (captured, see its PROVENANCE.md) made by
Tests/hooks/lib.sh. Added, synthesized: commands/003 (origin listing derived from 002) and
commands/004 (the snapshot argv kbe plans for --origin $origin, exit 0, no output).
MD
    echo "scenario $dir: recording 004 (the only zfs snapshot this scenario accepts):"
    sed 's/^/    /' "$dir/commands/004/argv"
}

# rewrite_hook FILE KBE SCENARIO: the installed hook text with /usr/sbin/kbe replaced by
# "KBE --replay SCENARIO --json" (the JSON report shows the plan kbe executed).
rewrite_hook() {
    sed -e "s#-x /usr/sbin/kbe#-x $2#g" -e "s#/usr/sbin/kbe auto-checkpoint#$2 --replay $3 --json auto-checkpoint#g" "$1"
}
