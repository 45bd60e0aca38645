forecast -o /nonexistent-dir/f.csv examples/saas-web.yaml
