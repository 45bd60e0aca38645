forecast -f json --paths 100 tests/golden/forecast-small.yaml
