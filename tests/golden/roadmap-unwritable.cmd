roadmap -o /nonexistent-dir/r.md examples/saas-web.yaml
