# Never runs: this boot (the upgraded BE, kernel without ZFS) must fail before the agent.
fail "the upgraded BE with a kernel without ZFS booted to the agent: $(uname -r)"
