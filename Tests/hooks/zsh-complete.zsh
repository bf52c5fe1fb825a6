# Drives zsh's real completion system in a pseudo-terminal (zsh/zpty): an interactive
# `zsh -f` with COMPDIR in fpath and compinit, types LINE and a TAB, prints what zsh listed.
# Usage: zsh -f zsh-complete.zsh COMPDIR LINE   (kbe must be on PATH)
zmodload zsh/zpty
zpty -b z "zsh -f -i"
zpty -w z "PS1='> '; PATH=${(q)PATH}; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D; setopt nolistambiguous"
sleep 1
zpty -w -n z "$2"$'\t'
sleep 3
local all="" chunk
while zpty -r -t z chunk; do all+=$chunk; done
zpty -d z
# the listing is what follows the echoed line; drop terminal control sequences
print -r -- "${all##*$2}" | tr -d '\r\a' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1b[>=]//g' | tr -s ' \n' ' '
print
