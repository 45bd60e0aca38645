init /nonexistent-dir/x.yaml
