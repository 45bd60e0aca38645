report --percentiles 50,50 examples/saas-web.yaml
