report --paths 20 -o /dev/full examples/saas-web.yaml
