# Real-system performance figures (README).
install_bins
use_local_repo
{ uname -r; zfs version; cat /etc/debian_version; nproc; grep MemTotal /proc/meminfo; } >"$OUT/facts" 2>&1
OUT="$OUT" bash ./figures.bash >"$OUT/figures.log" 2>&1 || fail "figures.bash: $(tail -3 "$OUT/figures.log")"
[ -s "$OUT/figures" ] || fail "no figures written"
note "$(cat "$OUT/figures")"
sync
