# The trial of upgrade-a: healthy, confirmed by itself, still the default after a reboot.
. ./lib-new-be.sh
note "$(boot_facts)"
expect_eq "root dataset (boot $(boot_number))" rpool/ROOT/upgrade-a "$(root_dataset)"
expect_eq "kldload-demo in upgrade-a" "kldload-demo 2.0" "$(kldload-demo)"
if [ "$(boot_number)" = 1 ]; then
    wait_for '[ "$(bootfs)" = rpool/ROOT/upgrade-a ]' 600 \
        || fail "the healthy trial of upgrade-a was not confirmed within 600 s: bootfs $(bootfs); $(systemctl status kldload-trial-confirm.service kldload-health.service 2>&1 | head -30 | tr '\n' ' ')"
    expect_eq "pending trial after confirmation" - "$(zfs get -H -o value org.kldload:trial rpool/ROOT)"
    case "$(be_flags upgrade-a)" in *T*) fail "kbe list still flags upgrade-a with T" ;; esac
    expect_eq "BootNext" absent "$(efivar_hex BootNext)"
    interim "trial of upgrade-a confirmed by itself; rebooting once more" reboot
fi
expect_eq "bootfs" rpool/ROOT/upgrade-a "$(bootfs)"
note "upgrade-a is the default after the confirmation and a reboot"
