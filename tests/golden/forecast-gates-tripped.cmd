forecast --paths 200 --fail-on budget,slo-risk --fail-on cost-increase=1000 tests/golden/gates.yaml
