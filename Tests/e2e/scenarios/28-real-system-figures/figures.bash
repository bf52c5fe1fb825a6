# Times commands in the guest (bash for its `time` keyword); called by phase1.sh with $OUT.
set -euo pipefail
. ./scenario-lib.sh
export TZ=UTC LC_ALL=C DEBIAN_FRONTEND=noninteractive
TIMEFORMAT='%3R %3U %3S'
# t LABEL CMD...: one run, stdout to /dev/null; appends "LABEL<TAB>wall user sys" (seconds) to times.tsv.
t() {
    local label=$1; shift
    local f
    f=$( { time "$@" >/dev/null 2>"$OUT/last.stderr"; } 2>&1 ) || fail "$label: '$*' failed: $(tail -2 "$OUT/last.stderr")"
    printf '%s\t%s\n' "$label" "$f" >>"$OUT/times.tsv"
}
# replay DIR: runs every recorded argv of a KLDLOAD_RECORD directory, in order.
replay() {
    local n a
    for n in $(ls "$1/commands" | sort -n); do
        mapfile -t a <"$1/commands/$n/argv"
        "${a[@]}" >/dev/null 2>&1 || true   # as kbe ran it, whatever its status
    done
}
# The image's own Debian source cannot be reached from the guest: apt would spend seconds on
# its retries in both runs; the local repository alone is the upgrade's source.
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [ -e "$f" ] && mv "$f" "$f.e2e-disabled"
done
apt-get update -qq >/dev/null 2>&1
demo_at_1() { apt-get install -y -qq --allow-downgrades kldload-demo=1.0 >/dev/null 2>&1; }
# 1. kupgrade against apt-get.
demo_at_1
for i in 1 2 3; do
    demo_at_1
    t "apt-get-update.$i" apt-get update
    t "apt-get-dist-upgrade.$i" apt-get -y dist-upgrade
    [ "$(dpkg-query -W -f '${Version}' kldload-demo)" = 2.0 ] || fail "apt-get did not upgrade kldload-demo"
    demo_at_1
    t "kupgrade.$i" /usr/local/bin/kupgrade --log "$OUT/kupgrade.$i.log"
    [ "$(dpkg-query -W -f '${Version}' kldload-demo)" = 2.0 ] || fail "kupgrade did not upgrade kldload-demo"
done
# 3 (before the snapshots of 2). What kupgrade adds: one more kupgrade run (untimed) recorded
# with KLDLOAD_RECORD; the recording's status files, written as each command ends, give every command's share
# (kupgrade-recorded.commands: seconds since the previous command ended, or since the start,
# then the argv), and the module verification's own commands (dkms, modinfo) are each run
# again alone, three times.
demo_at_1
rm -rf /root/rec-kupgrade
prev=$(date +%s.%N)
KLDLOAD_RECORD=/root/rec-kupgrade /usr/local/bin/kupgrade --log "$OUT/kupgrade-recorded.log" >/dev/null 2>&1 \
    || fail "recorded kupgrade run failed: $(tail -3 "$OUT/kupgrade-recorded.log")"
for n in $(ls /root/rec-kupgrade/commands | sort -n); do
    end=$(stat -c %.6Y "/root/rec-kupgrade/commands/$n/status")
    printf '%s\t%s\n' "$(awk -v a="$prev" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" \
        "$(tr '\n' ' ' <"/root/rec-kupgrade/commands/$n/argv")" >>"$OUT/kupgrade-recorded.commands"
    prev=$end
done
for i in 1 2 3; do
    t "bash-c-true.$i" bash -c true
    for n in $(ls /root/rec-kupgrade/commands | sort -n); do
        mapfile -t a <"/root/rec-kupgrade/commands/$n/argv"
        case ${a[0]} in
            dkms|modinfo) t "verify: ${a[*]}.$i" "${a[@]}" ;;
        esac
    done
done
# 2. kbe list against its own commands.
# The snapshots: zfs makes one snapshot of a file system per transaction group ("multiple
# snapshots of same fs not allowed" for several in one call; a channel program may snapshot a
# dataset only once), so one `zfs snapshot` per name would be 100,000 commands, hours under TCG.
# The BE gets 249 child datasets (canmount=off, as a BE's /var, /home … would be) and each
# `zfs snapshot -r rpool/ROOT/default@perf-N` makes 250 snapshots at once: 400 commands.
# Checked here: errexit does not reach into t's command substitution.
children=249
for n in $(seq -f "%03g" 1 "$children"); do
    zfs list -H -o name "rpool/ROOT/default/perf-$n" >/dev/null 2>&1 \
        || zfs create -o canmount=off "rpool/ROOT/default/perf-$n" || fail "cannot create rpool/ROOT/default/perf-$n"
done
count_snapshots() { zfs list -H -t snapshot -r -o name rpool/ROOT/default | wc -l; }
snapshots() { # TOTAL: recursive snapshots of the BE until it has at least TOTAL
    local have n
    have=$(count_snapshots)
    n=$(zfs list -H -t snapshot -d 1 -o name rpool/ROOT/default | grep -c '@perf-' || true)
    while [ "$have" -lt "$1" ]; do
        n=$(( n + 1 ))
        zfs snapshot -r "rpool/ROOT/default@perf-$(printf %06d "$n")" || return 1
        have=$(( have + children + 1 ))
    done
}
for size in $(cat sizes 2>/dev/null || echo 10000 100000); do
    t "zfs-snapshot-r-to.$size" snapshots "$size"
    have=$(count_snapshots)
    [ "$have" -ge "$size" ] || fail "only $have of $size snapshots exist after making them"
    rm -rf "/root/rec-list-$size"
    KLDLOAD_RECORD="/root/rec-list-$size" /usr/local/bin/kbe list >/dev/null
    # What the listing held: bytes of each recorded output, and how many snapshots the pool has.
    for f in "/root/rec-list-$size"/commands/*/stdout; do
        printf '%s\t%s bytes\n' "$(tr '\n' ' ' <"${f%/stdout}/argv" | cut -c1-60)" "$(wc -c <"$f")"
    done >"$OUT/listing-bytes.$size"
    printf 'snapshots under rpool/ROOT/default: %s (of the BE root itself: %s)\n' "$have" \
        "$(zfs list -H -t snapshot -d 1 -o name rpool/ROOT/default | wc -l)" >>"$OUT/listing-bytes.$size"
    cp -a "/root/rec-list-$size" "$OUT/rec-list-$size.argv-only" 2>/dev/null || true
    find "$OUT/rec-list-$size.argv-only" -name stdout -delete 2>/dev/null || true
    rounds=$(cat rounds 2>/dev/null || true)
    [ -n "$rounds" ] || { rounds=5; [ "$size" -lt 100000 ] || rounds=3; }
    for i in $(seq "$rounds"); do
        t "commands.$size.$i" replay "/root/rec-list-$size"
        t "kbe-list.$size.$i" /usr/local/bin/kbe list
        t "kbe-list-s.$size.$i" /usr/local/bin/kbe list -s
        # kbe's own share: the same listing replayed from the recording (no zfs, no zpool).
        t "kbe-own.$size.$i" /usr/local/bin/kbe --replay "/root/rec-list-$size" list
    done
done
# Figures: medians and ratios.
awk -F'\t' '
    { split($2, v, " "); label = $1; sub(/\.[0-9]+$/, "", label); n[label]++; w[label, n[label]] = v[1]; u[label, n[label]] = v[2] + v[3] }
    function median(a, l, k,   i, j, x, m) { m = n[l]; for (i = 1; i <= m; i++) x[i] = a[l, i]; for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] < x[i]) { k = x[i]; x[i] = x[j]; x[j] = k } return (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2 }
    END {
        for (l in n) { mw[l] = median(w, l); mu[l] = median(u, l); printf "%-28s runs %d  median wall %.3f s  median cpu %.3f s\n", l, n[l], mw[l], mu[l] }
        printf "ratio kupgrade / (apt-get update + dist-upgrade), median wall: %.2f\n", mw["kupgrade"] / (mw["apt-get-update"] + mw["apt-get-dist-upgrade"])
        for (l in n) if (l ~ /^verify: /) { vw += mw[l]; vu += mu[l] }
        printf "verification commands (every verify: line), sum of medians: wall %.3f s, cpu %.3f s; share of kupgrade median wall: %.2f\n", vw, vu, vw / mw["kupgrade"]
        for (s = 10000; s <= 100000; s *= 10) {
            if (!(("commands." s) in mw) || !(("kbe-own." s) in mw)) continue
            printf "ratio kbe list / its commands at %d snapshots, median wall: %.2f (cpu %.2f)\n", s, mw["kbe-list." s] / mw["commands." s], mu["kbe-list." s] / mu["commands." s]
            printf "ratio kbe list -s / its commands at %d snapshots, median wall: %.2f\n", s, mw["kbe-list-s." s] / mw["commands." s]
            printf "kbe list at %d snapshots: its commands %.3f s + its own work replayed %.3f s = %.3f s (measured %.3f s); own work / commands %.2f (cpu %.2f)\n", s, mw["commands." s], mw["kbe-own." s], mw["commands." s] + mw["kbe-own." s], mw["kbe-list." s], mw["kbe-own." s] / mw["commands." s], mu["kbe-own." s] / mu["commands." s]
        }
    }' "$OUT/times.tsv" | sort >"$OUT/figures"
for i in 1 2 3; do grep -h 'checkpoint' "$OUT/kupgrade.$i.log" | head -3 >>"$OUT/kupgrade-checkpoint-lines" || true; done
