report -f pdf examples/saas-web.yaml
