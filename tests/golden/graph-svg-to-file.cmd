graph --format svg -o $TMP/g.svg examples/saas-web.yaml
