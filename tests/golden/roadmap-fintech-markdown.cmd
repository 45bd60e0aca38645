roadmap --format markdown --paths 200 --seed 20270101 examples/fintech-payments.yaml
