forecast --by class --paths 200 examples/saas-web.yaml
