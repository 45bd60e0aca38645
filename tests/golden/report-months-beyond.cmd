report --months 61 examples/saas-web.yaml
