# bash completion for kbe(8) -- kldload-swift
# Completes subcommands, options, and existing boot environment / checkpoint names
# (from `kbe list -H` / `kbe list -H -s`, first column; one zfs list per completion).

_kbe_names() {
    # $1: "be" (boot environments) or "all" (boot environments and BE@checkpoint)
    local args=(list -H)
    [[ $1 == all ]] && args+=(-s)
    local w i
    # keep --pool/--be-root/--replay from the command line so names come from the same place
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
            --pool|--be-root|--replay) args=("$w" "${COMP_WORDS[i+1]}" "${args[@]}") ;;
        esac
    done
    "${COMP_WORDS[0]}" "${args[@]}" 2>/dev/null | cut -f1
}

_kbe() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="list ls create activate rollback destroy delete rename mount umount unmount describe diff confirm trial-check move-pkgdb auto-checkpoint pair unpair help"
    local global="-h --help --version -n --dry-run --json -y --yes --pool --be-root --replay"

    case $prev in
        --pool|--be-root) return ;;
        --replay) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -d|--description|--min-interval|--keep) return ;;
        --origin) COMPREPLY=($(compgen -W "apt dnf pacman" -- "$cur")); return ;;
        -e|--source) COMPREPLY=($(compgen -W "$(_kbe_names all)" -- "$cur")); return ;;
    esac

    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --pool|--be-root|--replay) ((i++)) ;;
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts=""
    case $cmd in
        list|ls) opts="-s --snapshots -H -p" ;;
        create) opts="--be -e --source -d --description" ;;
        activate) opts="--allow-split-pkgdb --trial --cancel-trial --with-data --without-data" ;;
        rollback) opts="--allow-split-pkgdb --with-data --without-data" ;;
        trial-check) opts="--health --timeout" ;;
        destroy|delete) opts="-o --keep-origin" ;;
        mount) opts="-r --read-only" ;;
        diff) opts="--files" ;;
        auto-checkpoint) opts="--origin --min-interval --keep -q --quiet --strict" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
        return
    fi
    case $cmd in
        activate|destroy|delete|describe|diff) COMPREPLY=($(compgen -W "$(_kbe_names all)" -- "$cur")) ;;
        rollback) COMPREPLY=($(compgen -W "$(_kbe_names all | grep @)" -- "$cur")) ;;
        rename|mount|umount|unmount) COMPREPLY=($(compgen -W "$(_kbe_names be)" -- "$cur")) ;;
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        pair|unpair) COMPREPLY=($(compgen -W "$(zfs list -H -o name -t filesystem,volume 2>/dev/null)" -- "$cur")) ;;
    esac
    declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
}
complete -F _kbe kbe
