roadmap --quarters 9 examples/saas-web.yaml
