#!/bin/bash
# Install into a temporary DESTDIR, list what landed, check every asset with its own tool
# (man/groff, bash/zsh/fish -n, systemd-analyze verify, logrotate -d, python3 -m py_compile),
# then uninstall and show that nothing is left.
# Usage: Tests/hooks/dist-checks.sh   (after Sources/dist/package/build-release)
# Output: Tests/hooks/logs/dist-checks.log
. "$(dirname "$0")/lib.sh"
D=/tmp/kldload-destdir
V=/tmp/kldload-verifyroot
log_to "$HOOKS_DIR/logs/dist-checks.log"
echo "# dist checks, $(date -u +%FT%TZ), $(. /etc/os-release; echo "$PRETTY_NAME")"
rm -rf "$D" "$V"
say env DESTDIR="$D" PREFIX=/usr "$DIST/install.sh"
echo; echo "## what landed (mode, bytes, path)"
(cd "$D" && find . -type f -printf '%m %10s %p\n' | sort -k3)

echo; echo "## man pages ($(man --version), $(groff --version | head -1))"
for p in kbe kupgrade; do
    say groff -man -ww -z "$D/usr/share/man/man8/$p.8"
    echo "\$ MANWIDTH=80 man --warnings -l $p.8 >/dev/null  (stderr below, if any)"
    MANWIDTH=80 man --warnings -l "$D/usr/share/man/man8/$p.8" 2>&1 >/dev/null; echo "[exit status $?]"
done
echo; echo "first lines of the rendered kbe(8):"
MANWIDTH=80 man -l "$D/usr/share/man/man8/kbe.8" 2>/dev/null | head -20

echo; echo "## completions ($(bash --version | head -1); $(zsh --version); $(fish --version))"
say bash -n "$D/usr/share/bash-completion/completions/kbe"
say bash -n "$D/usr/share/bash-completion/completions/kupgrade"
say zsh -n "$D/usr/share/zsh/site-functions/_kbe"
say zsh -n "$D/usr/share/zsh/site-functions/_kupgrade"
say fish -n "$D/usr/share/fish/vendor_completions.d/kbe.fish"
say fish -n "$D/usr/share/fish/vendor_completions.d/kupgrade.fish"

echo; echo "## systemd units ($(systemd-analyze --version | head -1))"
echo "verification root: the DESTDIR plus this host's unit files (for sysinit.target etc.)"
cp -a "$D" "$V"; cp -an /lib/systemd/system/. "$V/usr/lib/systemd/system/"
say systemd-analyze verify --man=no --root="$V" kupgrade.service kupgrade.timer
echo "(the same command reports an unknown key or a missing ExecStart binary: checked by hand)"

echo; echo "## logrotate ($(logrotate --version 2>&1 | head -1))"
say logrotate -d "$D/etc/logrotate.d/kupgrade"

echo; echo "## dnf 4 plugin"
say /usr/bin/python3 -m py_compile "$DIST/hooks/dnf/kldload_checkpoint.py"
rm -rf "$DIST/hooks/dnf/__pycache__"

echo; echo "## uninstall"
say env DESTDIR="$D" PREFIX=/usr "$DIST/install.sh" --uninstall
echo "files left under $D:"; (cd "$D" && find . -type f | sort); echo "(end)"
rm -rf "$V"
