graph --format dot examples/fintech-payments.yaml
