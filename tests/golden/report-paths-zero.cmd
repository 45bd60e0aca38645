report --paths 0 examples/saas-web.yaml
