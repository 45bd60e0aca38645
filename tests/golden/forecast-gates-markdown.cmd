forecast --paths 200 --format markdown --fail-on budget tests/golden/gates.yaml
