# The trial of upgrade-b fails its health check; the machine comes back to upgrade-a by itself.
. ./lib-new-be.sh
note "$(boot_facts)"
case "$(root_dataset)" in
rpool/ROOT/upgrade-b)
    [ "$(boot_number)" = 1 ] || fail "upgrade-b booted again (boot $(boot_number)): the fallback did not happen"
    expect_eq "kldload-demo in the trial" "kldload-demo 3.0" "$(kldload-demo)"
    expect_eq "bootfs during the trial" rpool/ROOT/upgrade-a "$(bootfs)"
    echo "written during the broken trial $(date -u +%FT%TZ)" >/home/e2e-during-broken
    sync
    interim "trial boot of upgrade-b; its health check fails; waiting for the trial timeout to reboot" stay ;;
rpool/ROOT/upgrade-a)
    [ -f /home/e2e-during-broken ] || fail "back on upgrade-a, but the trial of upgrade-b never booted"
    expect_eq "bootfs after the fallback" rpool/ROOT/upgrade-a "$(bootfs)"
    expect_eq "kldload-demo after the fallback" "kldload-demo 2.0" "$(kldload-demo)"
    expect_eq "/home file from before the trial" "written on upgrade-a before the broken trial" "$(cat /home/e2e-before-broken)"
    expect_fallback_recorded upgrade-b
    zfs list -H -o name rpool/ROOT/upgrade-b >/dev/null 2>&1 || fail "upgrade-b is gone (it must be kept for inspection)"
    kbe list >"$OUT/kbe-list-after" 2>&1 || true
    grep -q "last trial: failed rpool/ROOT/upgrade-b" "$OUT/kbe-list-after" || fail "kbe list does not report the failed trial: $(cat "$OUT/kbe-list-after" | tr '\n' '|')"
    note "fell back to upgrade-a by itself after the broken upgrade's failing health check" ;;
*) fail "unexpected root $(root_dataset)" ;;
esac
