apply --lock-timeout soon examples/saas-web.yaml
