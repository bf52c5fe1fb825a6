expect_eq "root dataset" rpool/ROOT/default "$(root_dataset)"
a=$(dpkg --audit 2>&1); expect_eq "dpkg --audit" "" "$a"
expect_eq "kldload-demo" "kldload-demo 1.0" "$(kldload-demo)"
expect_eq "kldload-demo dpkg" "1.0" "$(dpkg-query -W -f='${Version}' kldload-demo)"
expect_eq "kldload-big dpkg" "1.0" "$(dpkg-query -W -f='${Version}' kldload-big)"
expect_eq "kldload-big VERSION file" "1.0" "$(cat /usr/share/kldload-big/VERSION)"
n=$(ls /usr/share/kldload-big/ | grep -c 'dpkg-new' || true)
expect_eq "leftover .dpkg-new files" 0 "$n"
[ -f /home/e2e-before-cut ] || fail "/home/e2e-before-cut is gone"
