#!/usr/bin/env bash
# Host side, before phase 2's boot: Debian's backports kernel (linux-image-amd64 from
# <distro>-backports and the linux-* / linux-base packages it depends on there, no headers) as a
# flat apt repository ./kernel-repo on the exchange disk. Downloaded once with a private apt
# configuration (the host's apt sources are not touched) into $E2E_CACHE/debs-<distro>-backports-kernel.
set -euo pipefail
src=$1 phase=$2
[[ $phase == 2 ]] || exit 0
source "$(dirname "$0")/../../lib/common.sh"
cache="$E2E_CACHE/debs-$E2E_DISTRO-backports-kernel"
if [[ ! -s $cache/Packages ]]; then
    work="$cache.tmp"; rm -rf "$work"; mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s-backports main\n' "$(host_mirror)" "$E2E_DISTRO" >"$work/sources.list"
    A=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::Status=/dev/null)
    apt-get "${A[@]}" update >"$work/apt.log" 2>&1 || { tail -3 "$work/apt.log"; exit 1; }
    # linux-image-amd64 and, transitively, every linux-* / linux-base it (pre-)depends on that
    # backports has (first alternative of each dependency).
    todo=(linux-image-amd64); done_=" "
    while ((${#todo[@]})); do
        p=${todo[0]}; todo=("${todo[@]:1}")
        [[ $done_ == *" $p "* ]] && continue
        done_+="$p "
        apt-cache "${A[@]}" show "$p" >/dev/null 2>&1 || continue
        ( cd "$work/debs" && apt-get "${A[@]}" download "$p" >>"$work/apt.log" 2>&1 )
        deb=$(ls "$work/debs/${p}_"*.deb | head -1)
        for f in Depends Pre-Depends; do
            for d in $(dpkg-deb -f "$deb" "$f" | tr ',' '\n' | sed 's/|.*//;s/^ *//;s/[ (].*//' | grep -E '^linux-' || true); do
                todo+=("$d")
            done
        done
    done
    ( cd "$work/debs" && dpkg-scanpackages -m . /dev/null >Packages 2>/dev/null )
    rm -rf "$cache"; mv "$work/debs" "$cache"; rm -rf "$work"
fi
mkdir -p "$src/kernel-repo"
cp "$cache"/*.deb "$cache/Packages" "$src/kernel-repo/"
