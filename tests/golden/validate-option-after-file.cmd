validate examples/saas-web.yaml --quiet
