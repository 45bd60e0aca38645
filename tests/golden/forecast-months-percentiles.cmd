forecast --months 14 --percentiles 95,5,50,99.9 --paths 200 examples/saas-web.yaml
