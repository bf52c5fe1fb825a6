# fish completion for kupgrade(8) -- kldload-swift
complete -c kupgrade -f
complete -c kupgrade -s n -l dry-run -d 'plan only, change nothing'
complete -c kupgrade -s y -l yes -d 'do not ask'
complete -c kupgrade -l json -d 'print the report as JSON'
complete -c kupgrade -l allow-degraded -d 'upgrade on a DEGRADED pool'
complete -c kupgrade -l no-autoremove -d 'do not remove orphaned packages'
complete -c kupgrade -l autoremove -d 'remove orphans on Arch too'
complete -c kupgrade -l keep -x -d 'kupgrade checkpoints kept'
complete -c kupgrade -l log -r -F -d 'log file'
complete -c kupgrade -l metrics-dir -r -a '(__fish_complete_directories)' -d 'node_exporter textfile directory'
complete -c kupgrade -l replay -r -a '(__fish_complete_directories)' -d 'replay a recorded scenario'
complete -c kupgrade -s h -l help -d 'show help'
complete -c kupgrade -s V -l version -d 'show the version'
