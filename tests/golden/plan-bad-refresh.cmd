plan --refresh=maybe examples/saas-web.yaml
