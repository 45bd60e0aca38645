roadmap --alert page:14.4:5m:1h examples/saas-web.yaml
