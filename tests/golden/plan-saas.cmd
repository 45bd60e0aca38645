plan examples/saas-web.yaml
