forecast --paths 200 examples/saas-web.yaml
