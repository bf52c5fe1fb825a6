note "$(boot_facts)"
case "$(root_dataset)" in
rpool/ROOT/e2e-trial)
    [ "$(boot_number)" = 1 ] || fail "the trial BE booted again (boot $(boot_number)): the fallback did not happen"
    expect_eq "BootNext while the trial runs (the firmware deleted it)" absent "$(efivar_hex BootNext)"
    echo "written during the trial boot $(date -u +%FT%TZ)" >/home/e2e-during-trial
    sync
    interim "trial boot of e2e-trial; its health check fails; waiting for the trial timeout to reboot" stay ;;
rpool/ROOT/default)
    [ -f /home/e2e-during-trial ] || fail "back on default, but the trial never booted (no /home/e2e-during-trial)"
    expect_eq "bootfs after the fallback" rpool/ROOT/default "$(bootfs)"
    expect_eq "/home file from before the trial" "written before the trial" "$(cat /home/e2e-before-trial)"
    grep -q '^written during the trial boot' /home/e2e-during-trial || fail "/home/e2e-during-trial lost its content"
    expect_fallback_recorded e2e-trial
    zfs list -H -o name rpool/ROOT/e2e-trial >/dev/null 2>&1 || fail "the trial BE e2e-trial is gone"
    note "fell back to default by itself after the failed health check" ;;
*) fail "unexpected root $(root_dataset)" ;;
esac
