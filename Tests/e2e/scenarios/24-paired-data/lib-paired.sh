# Helpers for 24-paired-data (sourced by its phases; POSIX sh).
# A recorded kbe run: rec_kbe NAME ARGS… → $OUT/NAME/{rec,kbe.stdout,kbe.stderr,kbe.exit}; sets $rc.
rec_kbe() {
    d=$1; shift
    rm -rf "/root/$d"; mkdir -p "$OUT/$d"
    rc=0
    env TZ=UTC KLDLOAD_RECORD="/root/$d" /usr/local/bin/kbe "$@" </dev/null >"$OUT/$d/kbe.stdout" 2>"$OUT/$d/kbe.stderr" || rc=$?
    echo "$rc" >"$OUT/$d/kbe.exit"
    cp -a "/root/$d" "$OUT/$d/rec"
    sync
}
rec_kupgrade() {
    d=$1; shift
    rm -rf "/root/$d"; mkdir -p "$OUT/$d"
    rc=0; t0=$(date +%s)
    env TZ=UTC KLDLOAD_RECORD="/root/$d" /usr/local/bin/kupgrade "$@" </dev/null >"$OUT/$d/kupgrade.stdout" 2>"$OUT/$d/kupgrade.stderr" || rc=$?
    echo "$(( $(date +%s) - t0 ))" >"$OUT/$d/kupgrade.seconds"
    echo "$rc" >"$OUT/$d/kupgrade.exit"
    cp -a "/root/$d" "$OUT/$d/rec"
    sync
}
db_format() { head -n 1 "$1/db"; }
