plan --exclude service examples/saas-web.yaml
