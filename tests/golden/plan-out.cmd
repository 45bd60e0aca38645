plan --detailed-exitcode -out=$TMP/p.json examples/saas-web.yaml
