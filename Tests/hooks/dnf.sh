#!/bin/bash
# The dnf 4 plugin (Sources/dist/hooks/dnf/kldload_checkpoint.py) with the real dnf on this
# host, into a test root (--installroot) from a local createrepo_c repository: install and
# remove a throwaway rpm (transaction: hook runs), makecache (no transaction: no hook), the
# default installroot guard (no checkpoint for another root), and a kbe that fails.
# The plugin is loaded from a test pluginpath with a test config (command = kbe --replay ...).
# Also checks the dnf5 actions file's format (dnf5 is not packaged for Debian 12).
# Usage: Tests/hooks/dnf.sh KBE_BINARY   (as root). Output: Tests/hooks/logs/dnf.log
. "$(dirname "$0")/lib.sh"
KBE=$(realpath "$1")
W=/tmp/kldload-hooktest-dnf
rm -rf "$W"; mkdir -p "$W/rpmbuild/SPECS" "$W/repo" "$W/repos.d" "$W/plugins" "$W/pluginconf" "$W/root"
log_to "$HOOKS_DIR/logs/dnf.log"
echo "# dnf hook test, $(date -u +%FT%TZ), dnf $(dnf --version 2>/dev/null | head -1), rpm $(rpm --version | awk '{print $3}'), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "# kbe: $KBE ($("$KBE" --version))"
make_scenario dnf "$W/scenario" "$KBE"

cat > "$W/rpmbuild/SPECS/kldload-hooktest.spec" <<'S'
Name: kldload-hooktest
Version: 1.0
Release: 1
Summary: throwaway package for the kldload dnf hook test
License: MIT
BuildArch: noarch
%description
throwaway package for the kldload dnf hook test
%install
mkdir -p %{buildroot}/usr/share/kldload-hooktest
echo "kldload-hooktest 1.0" > %{buildroot}/usr/share/kldload-hooktest/VERSION
%files
/usr/share/kldload-hooktest/VERSION
S
rpmbuild --define "_topdir $W/rpmbuild" -bb "$W/rpmbuild/SPECS/kldload-hooktest.spec" >/dev/null 2>&1
cp "$W"/rpmbuild/RPMS/noarch/*.rpm "$W/repo/"; createrepo_c -q "$W/repo"
printf '[kldload-hooktest]\nname=kldload hook test\nbaseurl=file://%s/repo\ngpgcheck=0\nenabled=1\n' "$W" > "$W/repos.d/hooktest.repo"
cp "$DIST/hooks/dnf/kldload_checkpoint.py" "$W/plugins/"

conf() { # installroot_too command...
    { sed '/^# command/d; /^# installroot_too/d' "$DIST/hooks/dnf/kldload_checkpoint.conf"
      echo "installroot_too = $1"; shift; echo "command = $*"; } > "$W/pluginconf/kldload_checkpoint.conf"
    echo "plugin configuration:"; sed 's/^/    /' "$W/pluginconf/kldload_checkpoint.conf" | grep -v '^    #'
}
DNF=(dnf -y --installroot="$W/root" --releasever=9 --nogpgcheck --setopt=reposdir="$W/repos.d"
     --setopt=pluginpath="$W/plugins" --setopt=pluginconfpath="$W/pluginconf" --setopt=cachedir="$W/cache")

echo; echo "## 1. install with the plugin (installroot_too = 1 because this test uses --installroot)"
conf 1 "$KBE --replay $W/scenario --json auto-checkpoint --origin dnf"
say "${DNF[@]}" install kldload-hooktest
say rpm --root "$W/root" -q kldload-hooktest

echo; echo "## 2. makecache: no transaction, no hook"
say "${DNF[@]}" makecache

echo; echo "## 3. remove with the plugin"
say "${DNF[@]}" remove kldload-hooktest

echo; echo "## 4. the default installroot guard: a transaction into another root takes no checkpoint"
conf 0 "$KBE --replay $W/scenario --json auto-checkpoint --origin dnf"
say "${DNF[@]}" -v install kldload-hooktest

echo; echo "## 5. kbe fails (captured scenario without the added recordings): warning, rpm still runs"
conf 1 "$KBE --replay $BASE_SCENARIO auto-checkpoint --origin dnf"
say "${DNF[@]}" remove kldload-hooktest

echo; echo "## 6. kbe missing: the plugin logs a warning, rpm still runs"
conf 1 "/nonexistent/sbin/kbe auto-checkpoint --origin dnf"
say "${DNF[@]}" install kldload-hooktest
say rpm --root "$W/root" -q kldload-hooktest

echo; echo "## 7. dnf5 actions file: every non-comment line has 5 colon-separated fields, callback pre_transaction"
grep -v '^#' "$DIST/hooks/dnf/kldload.actions" | grep -v '^$' | awk -F: '{ print NF " fields, callback " $1 ", command: " substr($0, index($0, "::::") + 4) }'
