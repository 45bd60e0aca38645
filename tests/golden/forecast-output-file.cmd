forecast -o $TMP/out.txt --paths 50 examples/saas-web.yaml
