report -f focus --months 3 --paths 100 --seed 7 examples/saas-web.yaml
