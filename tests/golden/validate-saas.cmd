validate examples/saas-web.yaml
