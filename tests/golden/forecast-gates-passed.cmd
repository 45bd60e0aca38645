forecast --paths 200 --format csv --fail-on budget,slo-risk,cost-increase=1000 examples/saas-web.yaml
