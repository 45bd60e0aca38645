forecast --percentiles 10,50,100 examples/saas-web.yaml
