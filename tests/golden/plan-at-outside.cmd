plan --at 2035-01 examples/saas-web.yaml
