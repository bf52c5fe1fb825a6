note "$(boot_facts)"
expect_eq "root dataset (the trial)" rpool/ROOT/e2e-next "$(root_dataset)"
expect_eq "boot of this phase" 1 "$(boot_number)"
wait_for '[ "$(bootfs)" = rpool/ROOT/e2e-next ]' 600 \
    || fail "the healthy trial was not confirmed within 600 s: bootfs $(bootfs); $(systemctl status kldload-trial-confirm.service kldload-health.service boot-complete.target 2>&1 | head -40 | tr '\n' ' ')"
systemctl status kldload-health.service kldload-trial-confirm.service >"$OUT/units-status" 2>&1 || true
expect_eq "pending trial after confirmation" - "$(zfs get -H -o value org.kldload:trial rpool/ROOT)"
case "$(be_flags e2e-next)" in *T*) fail "kbe list still flags e2e-next with T" ;; esac
expect_eq "BootNext" absent "$(efivar_hex BootNext)"
note "confirmed by itself: $(boot_facts)"
