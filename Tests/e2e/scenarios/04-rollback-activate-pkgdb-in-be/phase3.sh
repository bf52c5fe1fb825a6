# Booted the activated checkpoint clone: back at 1.0, /home untouched.
name=$(cat /home/e2e-checkpoint-name)
expect_eq "root dataset" "rpool/ROOT/$name" "$(root_dataset)"
expect_eq "kldload-demo" "kldload-demo 1.0" "$(kldload-demo)"
expect_eq "dpkg version" "1.0" "$(dpkg-query -W -f='${Version}' kldload-demo)"
expect_eq "VERSION file" "1.0" "$(cat /usr/share/kldload-demo/VERSION)"
a=$(dpkg --audit 2>&1); expect_eq "dpkg --audit" "" "$a"
[ -f /home/e2e-after-checkpoint ] || fail "/home/e2e-after-checkpoint (written after the checkpoint) is gone"
expect_eq "origin" "rpool/ROOT/default@$name" "$(zfs get -H -o value origin "rpool/ROOT/$name")"
