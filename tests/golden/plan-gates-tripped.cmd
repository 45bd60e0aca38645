plan --fail-on budget --fail-on cost-increase=10 -out $TMP/p.json tests/golden/gates.yaml
