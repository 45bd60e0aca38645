roadmap --percentile 100 examples/saas-web.yaml
