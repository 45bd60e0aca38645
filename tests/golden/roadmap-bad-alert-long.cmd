roadmap --alert ticket:1:31d:6h examples/saas-web.yaml
