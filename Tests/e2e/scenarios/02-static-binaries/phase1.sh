# The release binaries (built with --static-swift-stdlib) run in a guest that
# has no Swift runtime, and the local apt repository is usable.
install_bins
for b in kbe kupgrade; do
    [ -x "/usr/local/bin/$b" ] || fail "$b was not installed"
    if ldd "/usr/local/bin/$b" | grep -q 'libswift'; then fail "$b links a shared Swift runtime: $(ldd /usr/local/bin/$b | grep libswift | head -1)"; fi
    out=$("/usr/local/bin/$b" 2>&1) || true
    [ -n "$out" ] || fail "$b printed nothing"
    note "$b: $out"
done
use_local_repo
apt-get install -y kldload-demo=1.0 >/dev/null 2>&1 || fail "apt-get install kldload-demo=1.0 from the local repository failed"
expect_eq "kldload-demo version" "kldload-demo 1.0" "$(kldload-demo)"
expect_eq "candidate version" "2.0" "$(apt-cache policy kldload-demo | awk '/Candidate:/ {print $2}')"
