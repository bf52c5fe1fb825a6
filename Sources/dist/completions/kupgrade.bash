# bash completion for kupgrade(8) -- kldload-swift
_kupgrade() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        --keep) return ;;
        --log) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --metrics-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --replay) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    COMPREPLY=($(compgen -W "-n --dry-run -y --yes --json --allow-degraded --no-autoremove --autoremove --keep --log --metrics-dir --replay --new-be --release -h --help -V --version" -- "$cur"))
}
complete -F _kupgrade kupgrade
