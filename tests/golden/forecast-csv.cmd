forecast --format csv --paths 200 -o $TMP/f.csv examples/saas-web.yaml
