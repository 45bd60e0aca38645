report --paths 20 -f focus -o $TMP/f.csv examples/saas-web.yaml
