graph -o /nonexistent-dir/g.dot examples/saas-web.yaml
