report --path p50 examples/saas-web.yaml
