note "$(boot_facts)"
expect_eq "root dataset (the broken trial must never reach the agent)" rpool/ROOT/default "$(root_dataset)"
expect_eq "boot of this phase that reached the agent" 1 "$(boot_number)"
expect_eq "bootfs after the fallback" rpool/ROOT/default "$(bootfs)"
expect_eq "/home file" "written before the trial" "$(cat /home/e2e-before-trial)"
expect_fallback_recorded e2e-broken
note "fell back to default by itself after the trial kernel panicked"
