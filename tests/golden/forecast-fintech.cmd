forecast --paths 200 examples/fintech-payments.yaml
