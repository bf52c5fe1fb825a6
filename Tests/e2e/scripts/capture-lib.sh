# Capture helper for the guest (POSIX sh; sourced by capture-*.sh).
# cap <folder> <name> <argv...>: runs argv (no shell), writes exact bytes to
# /xchg/out/cap/<folder>/<name>.stdout, .stderr (only if non-empty), .status
# (only if non-zero), and records folder, name, date, argv in commands.tsv.
CAP=/xchg/out/cap
mkdir -p "$CAP"
cap() {
    _f=$1; _n=$2; shift 2
    mkdir -p "$CAP/$_f"
    _d=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    "$@" >"$CAP/$_f/$_n.stdout" 2>"$CAP/$_f/$_n.stderr"
    _rc=$?
    [ -s "$CAP/$_f/$_n.stderr" ] || rm -f "$CAP/$_f/$_n.stderr"
    [ "$_rc" -ne 0 ] && printf '%s\n' "$_rc" >"$CAP/$_f/$_n.status"
    _argv=""
    for _a in "$@"; do
        case "$_a" in
            *[!A-Za-z0-9_./:=,@%+-]*|'') _argv="$_argv '$_a'" ;;
            *) _argv="$_argv $_a" ;;
        esac
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$_f" "$_n" "$_d" "$_rc" "${_argv# }" >>"$CAP/commands.tsv"
    return 0
}

# OpenZFS 2.3 and later print JSON (-j, --json-int for exact numbers). On such a
# system the capture boots take the JSON of a state next to its text, with the
# same arguments otherwise, so tests can compare the two.
if zpool status -j --json-int >/dev/null 2>&1; then ZJSON=yes; else ZJSON=no; fi
# capj <folder> <name> <zpool|zfs> <subcommand> [args...]: cap of "<prog> <sub> -j --json-int args..."
capj() {
    [ "$ZJSON" = yes ] || return 0
    _jf=$1; _jn=$2; _jp=$3; _js=$4; shift 4
    cap "$_jf" "$_jn" "$_jp" "$_js" -j --json-int "$@"
}
