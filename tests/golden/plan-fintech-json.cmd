plan --format json examples/fintech-payments.yaml
