# Helpers for 24-paired-data (sourced by its phases; POSIX sh). The recorded kupgrade run,
# rec_run, is 21-new-be's (lib-new-be.sh, put beside this file by host-prepare.sh).
. ./lib-new-be.sh
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
db_format() { head -n 1 "$1/db"; }
