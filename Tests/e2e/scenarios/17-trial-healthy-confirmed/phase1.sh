expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
trial_prepare default
kbe create --be e2e-next -d "healthy trial" >"$OUT/create.out" 2>&1 || fail "kbe create --be e2e-next: $(cat "$OUT/create.out")"
start_trial e2e-next
