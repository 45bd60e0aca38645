forecast --format markdown --paths 100 tests/golden/forecast-small.yaml
