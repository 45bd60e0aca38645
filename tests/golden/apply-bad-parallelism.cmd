apply --parallelism 0 examples/saas-web.yaml
