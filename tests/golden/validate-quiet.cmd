validate -q examples/saas-web.yaml
