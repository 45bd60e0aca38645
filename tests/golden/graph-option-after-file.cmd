graph examples/saas-web.yaml --format dot
