#!/bin/sh
# install.sh -- install kbe and kupgrade (kldload-swift) with their man pages, shell
# completions, systemd units, logrotate file, package-manager hooks and sample config.
#
#   Sources/dist/package/build-release              # the EL 9 floor flags (Docs/INSTALL.md)
#   sudo Sources/dist/install.sh                       # PREFIX=/usr/local
#   sudo PREFIX=/usr Sources/dist/install.sh           # distribution layout
#   DESTDIR=/tmp/stage PREFIX=/usr Sources/dist/install.sh   # staging (packages)
#   sudo Sources/dist/install.sh --uninstall           # same PREFIX/DESTDIR as installed
#
# Variables: PREFIX (/usr/local), DESTDIR (empty), SYSCONFDIR (/etc), BINDIR (PREFIX/sbin),
# BUILD_DIR (.build-release/release), SYSTEMD_UNIT_DIR (PREFIX/lib/systemd/system),
# DNF_PLUGIN_DIR (dnf 4's plugin directory if dnf 4 is installed, else none),
# PACMAN_HOOK_DIR (SYSCONFDIR/pacman.d/hooks), HOOKS (which hooks: "apt dnf pacman"),
# SAMPLE_CONFIG (yes: kupgrade.conf.sample; no: the same text as kupgrade.conf, a config file,
# as the packages ship it; see Sources/dist/package/make-packages).
# Options: --uninstall, --no-hooks (no apt/dnf/pacman hooks), --strip (strip the binaries:
# 80 MB -> 61 MB each), --dry-run (print, do nothing).
# Hooks and units refer to BINDIR; the sources say /usr/sbin and are rewritten on install.
# Config files in SYSCONFDIR are never overwritten by an install when they differ (the new
# one lands next to them as FILE.new), and an uninstall keeps /etc/kldload/kupgrade.conf.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SYSCONFDIR=${SYSCONFDIR:-/etc}
BINDIR=${BINDIR:-$PREFIX/sbin}
BUILD_DIR=${BUILD_DIR:-$top/.build-release/release}
MANDIR=${MANDIR:-$PREFIX/share/man}
SYSTEMD_UNIT_DIR=${SYSTEMD_UNIT_DIR:-$PREFIX/lib/systemd/system}
PACMAN_HOOK_DIR=${PACMAN_HOOK_DIR:-$SYSCONFDIR/pacman.d/hooks}
HOOKS=${HOOKS-apt dnf pacman}
SAMPLE_CONFIG=${SAMPLE_CONFIG:-yes}
if [ -z "${DNF_PLUGIN_DIR+x}" ]; then
    DNF_PLUGIN_DIR=$( (/usr/bin/python3 -c 'import dnf.const; print(dnf.const.PLUGINPATH)' || python3 -c 'import dnf.const; print(dnf.const.PLUGINPATH)') 2>/dev/null || true)
fi

mode=install dry=no strip=no
for arg in "$@"; do
    case $arg in
        --uninstall) mode=uninstall ;;
        --no-hooks) HOOKS= ;;
        --strip) strip=yes ;;
        --dry-run|-n) dry=yes ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

run() { if [ "$dry" = yes ]; then echo "$*"; else "$@"; fi; }

# One line per file: SOURCE DEST MODE [config|rewrite]. Used by install and uninstall alike.
manifest() {
    # One multi-call binary; kbe and kupgrade are symlinks to it (Docs/INSTALL.md).
    echo "$BUILD_DIR/kldload $BINDIR/kldload 0755"
    echo "kldload $BINDIR/kbe - link"
    echo "kldload $BINDIR/kupgrade - link"
    echo "$here/man/kbe.8 $MANDIR/man8/kbe.8 0644"
    echo "$here/man/kupgrade.8 $MANDIR/man8/kupgrade.8 0644"
    echo "$here/man/kldload.8 $MANDIR/man8/kldload.8 0644"
    echo "$here/completions/kbe.bash $PREFIX/share/bash-completion/completions/kbe 0644"
    echo "$here/completions/kupgrade.bash $PREFIX/share/bash-completion/completions/kupgrade 0644"
    echo "$here/completions/_kbe $PREFIX/share/zsh/site-functions/_kbe 0644"
    echo "$here/completions/_kupgrade $PREFIX/share/zsh/site-functions/_kupgrade 0644"
    echo "$here/completions/kbe.fish $PREFIX/share/fish/vendor_completions.d/kbe.fish 0644"
    echo "$here/completions/kupgrade.fish $PREFIX/share/fish/vendor_completions.d/kupgrade.fish 0644"
    echo "$here/systemd/kupgrade.service $SYSTEMD_UNIT_DIR/kupgrade.service 0644 rewrite"
    echo "$here/systemd/kupgrade.timer $SYSTEMD_UNIT_DIR/kupgrade.timer 0644"
    # Trial boots (Docs/TRIAL.md): wired statically in the unit directory, so they work without
    # `systemctl enable` (the links are what enable would make).
    echo "$here/systemd/kldload-health.service $SYSTEMD_UNIT_DIR/kldload-health.service 0644 rewrite"
    echo "$here/systemd/kldload-trial-confirm.service $SYSTEMD_UNIT_DIR/kldload-trial-confirm.service 0644 rewrite"
    echo "$here/systemd/kldload-trial-timeout.service $SYSTEMD_UNIT_DIR/kldload-trial-timeout.service 0644 rewrite"
    echo "$here/systemd/kldload-trial-timeout.timer $SYSTEMD_UNIT_DIR/kldload-trial-timeout.timer 0644"
    echo "../kldload-health.service $SYSTEMD_UNIT_DIR/boot-complete.target.requires/kldload-health.service - link"
    echo "../kldload-trial-confirm.service $SYSTEMD_UNIT_DIR/multi-user.target.wants/kldload-trial-confirm.service - link"
    echo "../kldload-trial-timeout.timer $SYSTEMD_UNIT_DIR/timers.target.wants/kldload-trial-timeout.timer - link"
    echo "../kldload-trial-timeout.service $SYSTEMD_UNIT_DIR/emergency.target.wants/kldload-trial-timeout.service - link"
    echo "../kldload-trial-timeout.service $SYSTEMD_UNIT_DIR/rescue.target.wants/kldload-trial-timeout.service - link"
    echo "$here/logrotate/kupgrade $SYSCONFDIR/logrotate.d/kupgrade 0644 config"
    if [ "$SAMPLE_CONFIG" = yes ]; then
        echo "$here/kupgrade.conf.sample $SYSCONFDIR/kldload/kupgrade.conf.sample 0644"
    else
        echo "$here/kupgrade.conf.sample $SYSCONFDIR/kldload/kupgrade.conf 0644 config"
    fi
    case " $HOOKS " in *" apt "*)
        echo "$here/hooks/apt/80kldload-checkpoint $SYSCONFDIR/apt/apt.conf.d/80kldload-checkpoint 0644 rewrite" ;;
    esac
    case " $HOOKS " in *" pacman "*)
        echo "$here/hooks/pacman/00-kldload-checkpoint.hook $PACMAN_HOOK_DIR/00-kldload-checkpoint.hook 0644 rewrite" ;;
    esac
    case " $HOOKS " in *" dnf "*)
        echo "$here/hooks/dnf/kldload.actions $SYSCONFDIR/dnf/libdnf5-plugins/actions.d/kldload.actions 0644 rewrite"
        echo "$here/hooks/dnf/kldload_checkpoint.conf $SYSCONFDIR/dnf/plugins/kldload_checkpoint.conf 0644 config"
        if [ -n "$DNF_PLUGIN_DIR" ]; then
            echo "$here/hooks/dnf/kldload_checkpoint.py $DNF_PLUGIN_DIR/kldload_checkpoint.py 0644 rewrite"
        fi ;;
    esac
}

if [ "$mode" = install ]; then
    for b in kldload; do
        if [ ! -x "$BUILD_DIR/$b" ]; then
            echo "install.sh: $BUILD_DIR/$b is missing: run Sources/dist/package/build-release first (or set BUILD_DIR)" >&2
            exit 1
        fi
    done
    tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
    manifest | while read -r src dest fmode kind; do
        target=$DESTDIR$dest
        run install -d -m 0755 "$(dirname "$target")"
        if [ "$kind" = link ]; then
            run ln -sfn "$src" "$target"
            if [ "$dry" = no ]; then echo "installed $target -> $src"; fi
            continue
        fi
        file=$src
        if [ "$kind" = rewrite ] && [ "$BINDIR" != /usr/sbin ]; then
            sed "s#/usr/sbin/#$BINDIR/#g" "$src" > "$tmp"; file=$tmp
        fi
        if [ "$kind" = config ] && [ -e "$target" ] && ! cmp -s "$file" "$target"; then
            echo "kept $target (changed locally); new version: $target.new"
            target=$target.new
        fi
        if [ "$strip" = yes ] && [ "$fmode" = 0755 ]; then
            run install -s -m "$fmode" "$file" "$target"
        else
            run install -m "$fmode" "$file" "$target"
        fi
        if [ "$dry" = no ]; then echo "installed $target"; fi
    done
    echo "done. Next: systemctl daemon-reload && systemctl enable --now kupgrade.timer (optional)"
else
    manifest | while read -r src dest fmode kind; do
        target=$DESTDIR$dest
        # the administrator's configuration stays (also with SAMPLE_CONFIG=no)
        [ "$dest" = "$SYSCONFDIR/kldload/kupgrade.conf" ] && continue
        if [ -e "$target" ] || [ -L "$target" ]; then
            run rm -f "$target"
            if [ "$dry" = no ]; then echo "removed $target"; fi
        fi
        if [ -e "$target.new" ]; then run rm -f "$target.new"; fi
    done
    for d in "$SYSCONFDIR/kldload" "$SYSCONFDIR/dnf/libdnf5-plugins/actions.d" "$PACMAN_HOOK_DIR"; do
        [ -d "$DESTDIR$d" ] && rmdir "$DESTDIR$d" 2>/dev/null || true
    done
    if [ -e "$DESTDIR$SYSCONFDIR/kldload/kupgrade.conf" ]; then
        echo "kept $DESTDIR$SYSCONFDIR/kldload/kupgrade.conf (your configuration)"
    fi
fi
