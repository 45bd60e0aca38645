apply examples/saas-web.yaml
