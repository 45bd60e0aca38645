forecast --percentiles 10,50,50 examples/saas-web.yaml
