forecast --format xml examples/saas-web.yaml
