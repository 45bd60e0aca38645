forecast --months 12x examples/saas-web.yaml
