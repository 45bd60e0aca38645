init examples/saas-web.yaml
