roadmap --until 2032-01 examples/saas-web.yaml
