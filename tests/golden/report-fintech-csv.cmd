report -f csv --months 12 --paths 100 --seed 7 examples/fintech-payments.yaml
