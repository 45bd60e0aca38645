validate examples/fintech-payments.yaml
