report -f focus --path p100 examples/saas-web.yaml
