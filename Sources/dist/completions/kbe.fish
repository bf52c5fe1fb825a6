# fish completion for kbe(8) -- kldload-swift
function __kbe_names --argument-names kind
    set -l args list -H
    test "$kind" != be; and set -a args -s
    set -l tokens (commandline -opc)
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case --pool --be-root --replay
                set -l j (math $i + 1)
                test $j -le (count $tokens); and set args $tokens[$i] $tokens[$j] $args
        end
    end
    set -l names ($tokens[1] $args 2>/dev/null | string split -f1 \t)
    if test "$kind" = checkpoints
        string match -- '*@*' $names
    else
        printf '%s\n' $names
    end
end

set -l cmds list ls create activate rollback destroy delete rename mount umount unmount describe diff confirm trial-check move-pkgdb auto-checkpoint pair unpair help
complete -c kbe -f
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a list -d 'list boot environments'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a create -d 'take a checkpoint or create a BE'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a activate -d 'choose what boots next'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a rollback -d 'roll a BE back (destructive)'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a destroy -d 'destroy a BE or checkpoint'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a rename -d 'rename a BE'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a mount -d 'mount a BE'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a umount -d 'unmount a BE'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a describe -d 'set or clear a description'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a diff -d 'what changed between two BEs or checkpoints'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a confirm -d 'keep the running trial boot'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a trial-check -d 'boot-time trial bookkeeping (systemd units)'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a move-pkgdb -d 'move the package database into the boot environment'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a auto-checkpoint -d 'checkpoint for a package-manager hook'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a pair -d 'snapshot a data dataset with every checkpoint'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a unpair -d 'stop snapshotting a paired dataset'
complete -c kbe -n "not __fish_seen_subcommand_from $cmds" -a help -d 'show help'

complete -c kbe -s h -l help -d 'show help'
complete -c kbe -l version -d 'print the version'
complete -c kbe -s n -l dry-run -d 'print the commands that would run'
complete -c kbe -l json -d 'print a JSON object'
complete -c kbe -s y -l yes -d 'confirm destructive commands'
complete -c kbe -l pool -x -d 'the pool'
complete -c kbe -l be-root -x -d 'the BE root'
complete -c kbe -l replay -r -a '(__fish_complete_directories)' -d 'replay a recorded scenario'

complete -c kbe -n '__fish_seen_subcommand_from list ls' -s s -l snapshots -d 'show checkpoints'
complete -c kbe -n '__fish_seen_subcommand_from list ls' -s H -d 'scripted mode'
complete -c kbe -n '__fish_seen_subcommand_from list ls' -s p -d 'exact numbers'
complete -c kbe -n '__fish_seen_subcommand_from create' -l be -d 'create a boot environment'
complete -c kbe -n '__fish_seen_subcommand_from create' -s e -l source -x -a '(__kbe_names all)' -d 'source'
complete -c kbe -n '__fish_seen_subcommand_from create' -s d -l description -x -d 'description'
complete -c kbe -n '__fish_seen_subcommand_from activate rollback' -l allow-split-pkgdb -d 'allow a split package database'
complete -c kbe -n '__fish_seen_subcommand_from activate' -l trial -d 'boot the target once; a failed boot falls back'
complete -c kbe -n '__fish_seen_subcommand_from activate' -l cancel-trial -d 'cancel the pending trial'
complete -c kbe -n '__fish_seen_subcommand_from trial-check' -l health -d 'check this boot'
complete -c kbe -n '__fish_seen_subcommand_from trial-check' -l timeout -d 'reboot an unconfirmed trial'
complete -c kbe -n '__fish_seen_subcommand_from activate rollback' -l with-data -d 'paired datasets too'
complete -c kbe -n '__fish_seen_subcommand_from activate rollback' -l without-data -d 'leave the paired datasets'
complete -c kbe -n '__fish_seen_subcommand_from destroy delete' -s o -l keep-origin -d 'keep the origin checkpoint'
complete -c kbe -n '__fish_seen_subcommand_from mount' -s r -l read-only -d 'mount read-only'
complete -c kbe -n '__fish_seen_subcommand_from diff' -l files -d 'list changed files (zfs diff)'
complete -c kbe -n '__fish_seen_subcommand_from auto-checkpoint' -l origin -x -a 'apt dnf pacman' -d 'who calls'
complete -c kbe -n '__fish_seen_subcommand_from auto-checkpoint' -l min-interval -x -d 'minutes'
complete -c kbe -n '__fish_seen_subcommand_from auto-checkpoint' -l keep -x -d 'checkpoints kept'
complete -c kbe -n '__fish_seen_subcommand_from auto-checkpoint' -s q -l quiet -d 'only warnings'
complete -c kbe -n '__fish_seen_subcommand_from auto-checkpoint' -l strict -d 'real exit status'

complete -c kbe -n '__fish_seen_subcommand_from activate destroy delete describe diff' -a '(__kbe_names all)'
complete -c kbe -n '__fish_seen_subcommand_from rollback' -a '(__kbe_names checkpoints)'
complete -c kbe -n '__fish_seen_subcommand_from rename mount umount unmount' -a '(__kbe_names be)'
complete -c kbe -n '__fish_seen_subcommand_from pair unpair' -a '(zfs list -H -o name -t filesystem,volume 2>/dev/null)'
complete -c kbe -n '__fish_seen_subcommand_from help' -a "$cmds"
