roadmap --paths 200 --seed 20270101 examples/saas-web.yaml
