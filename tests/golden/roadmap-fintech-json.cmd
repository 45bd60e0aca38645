roadmap -f json --paths 200 --seed 20270101 -o $TMP/roadmap.json examples/fintech-payments.yaml
