forecast --by region -f markdown --paths 200 examples/fintech-payments.yaml
