roadmap --alert page:-1:1h:5m examples/saas-web.yaml
