graph examples/saas-web.yaml
