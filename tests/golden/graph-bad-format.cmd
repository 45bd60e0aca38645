graph --format pdf examples/saas-web.yaml
