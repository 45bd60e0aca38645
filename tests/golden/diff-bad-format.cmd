diff --format yaml
