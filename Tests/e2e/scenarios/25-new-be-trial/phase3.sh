# The trial of upgrade-a: healthy, confirmed by itself. (The next phase is a fresh power-on, which
# shows that the confirmed trial stays the default.)
. ./lib-new-be.sh
note "$(boot_facts)"
expect_eq "root dataset (the trial)" rpool/ROOT/upgrade-a "$(root_dataset)"
expect_eq "kldload-demo in upgrade-a" "kldload-demo 2.0" "$(kldload-demo)"
wait_for '[ "$(bootfs)" = rpool/ROOT/upgrade-a ]' 600 \
    || fail "the healthy trial of upgrade-a was not confirmed within 600 s: bootfs $(bootfs); $(systemctl status kldload-trial-confirm.service kldload-health.service 2>&1 | head -30 | tr '\n' ' ')"
expect_eq "pending trial after confirmation" - "$(zfs get -H -o value org.kldload:trial rpool/ROOT)"
case "$(be_flags upgrade-a)" in *T*) fail "kbe list still flags upgrade-a with T" ;; esac
expect_eq "BootNext" absent "$(efivar_hex BootNext)"
journalctl -b -u kldload-trial-confirm.service -u kldload-health.service --no-pager >"$OUT/confirm-journal" 2>&1 || true
note "trial of upgrade-a confirmed by itself"
