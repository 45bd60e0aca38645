roadmap --percentiles 10,90 examples/saas-web.yaml
