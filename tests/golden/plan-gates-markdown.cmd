plan --fail-on budget,slo-risk --format markdown examples/saas-web.yaml
