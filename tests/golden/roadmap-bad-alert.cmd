roadmap --alert page:14.4:1h examples/saas-web.yaml
