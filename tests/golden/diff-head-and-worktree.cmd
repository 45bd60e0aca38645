diff --head HEAD --worktree
