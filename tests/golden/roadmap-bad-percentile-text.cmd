roadmap --percentile p90 examples/saas-web.yaml
