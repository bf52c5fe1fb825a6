# kupgrade --new-be upgrade-a: the default activation is a trial; nothing moves bootfs yet.
. ./lib-new-be.sh
install_bins
expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
expect_eq "/var/lib/dpkg is in the BE" rpool/ROOT/default "$(findmnt -n -o SOURCE -T /var/lib/dpkg)"
expect_eq "kldload-demo before" "kldload-demo 1.0" "$(kldload-demo)"
rec_run rec-trial --new-be upgrade-a
expect_eq "kupgrade --new-be exit" 0 "$rc"
grep -q "next boot: rpool/ROOT/upgrade-a, once, as a trial" "$OUT/rec-trial/kupgrade.stdout" \
    || fail "the summary does not say the new BE boots once as a trial: $(tail -12 "$OUT/rec-trial/kupgrade.stdout" | tr '\n' '|')"
grep -q "the boot after it is rpool/ROOT/default again, by itself" "$OUT/rec-trial/kupgrade.stdout" \
    || fail "the summary does not say what happens if the trial fails"
expect_eq "bootfs after kupgrade (a trial does not move it)" rpool/ROOT/default "$(bootfs)"
[ "$(efivar_hex BootNext)" != absent ] || fail "no BootNext after kupgrade --new-be"
case "$(be_flags upgrade-a)" in *T*) ;; *) fail "kbe list does not flag upgrade-a with T: $(kbe list -H | tr '\n' '|')" ;; esac
expect_eq "marker" done "$(zfs get -H -o value org.kldload:new-be rpool/ROOT/upgrade-a)"
note "$(boot_facts); kupgrade --new-be armed a trial of upgrade-a in $(cat "$OUT/rec-trial/kupgrade.seconds") s"
sync
