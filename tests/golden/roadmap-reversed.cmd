roadmap --from 2029-01 --until 2028-12 examples/saas-web.yaml
