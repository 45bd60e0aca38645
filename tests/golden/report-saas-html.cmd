report -f html --months 12 --paths 100 --seed 7 -o $TMP/r.html examples/saas-web.yaml
