report --percentiles 5,50,95 --months 24 --paths 100 examples/fintech-payments.yaml
