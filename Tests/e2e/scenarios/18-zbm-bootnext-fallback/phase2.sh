note "boot $(boot_number): root=$(root_dataset) BootCurrent=$(efivar_hex BootCurrent) BootNext=$(efivar_hex BootNext)"
expect_eq "root dataset (the broken trial must never reach the agent)" rpool/ROOT/default "$(root_dataset)"
expect_eq "boot of this phase that reached the agent" 1 "$(boot_number)"
expect_eq "BootNext after the fallback" absent "$(efivar_hex BootNext)"
cur=$(efibootmgr | sed -n 's/^BootCurrent: //p')
expect_eq "BootCurrent (the ZFSBootMenu entry)" "$(cat /home/e2e-zbm-entry)" "$cur"
expect_eq "bootfs" rpool/ROOT/default "$(bootfs)"
