diff --base
