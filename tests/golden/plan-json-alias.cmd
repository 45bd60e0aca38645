plan --json examples/saas-web.yaml
