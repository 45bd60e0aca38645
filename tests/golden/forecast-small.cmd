forecast --paths 100 tests/golden/forecast-small.yaml
