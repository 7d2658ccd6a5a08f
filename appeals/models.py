# >>> NOTE TO THE HELPER WORKING ON THIS APP: the {COMMON} placeholder in your task means the file
# >>> /tmp/prompts/common.md — read it NOW (rules for working alongside others, env, deadline 00:10 UTC,
# >>> translations). Then delete these three lines.
