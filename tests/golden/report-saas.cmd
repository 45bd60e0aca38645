report --paths 200 --seed 7 examples/saas-web.yaml
