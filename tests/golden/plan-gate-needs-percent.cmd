plan --fail-on cost-increase examples/saas-web.yaml
