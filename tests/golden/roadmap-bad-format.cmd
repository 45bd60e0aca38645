roadmap --format html examples/saas-web.yaml
