roadmap --seed -1 examples/saas-web.yaml
