apply --format json examples/saas-web.yaml
