forecast --paths -5 examples/saas-web.yaml
