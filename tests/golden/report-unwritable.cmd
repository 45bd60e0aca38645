report -o /nonexistent-dir/r.html -f html examples/saas-web.yaml
