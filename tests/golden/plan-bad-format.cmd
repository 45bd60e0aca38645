plan --format yaml examples/saas-web.yaml
