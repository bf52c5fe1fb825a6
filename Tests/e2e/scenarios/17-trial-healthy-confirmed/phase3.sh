note "$(boot_facts)"
expect_eq "root dataset after reboot $(boot_number)" rpool/ROOT/e2e-next "$(root_dataset)"
expect_eq "bootfs" rpool/ROOT/e2e-next "$(bootfs)"
[ "$(boot_number)" -ge 2 ] || interim "confirmed trial still the default; rebooting once more" reboot
