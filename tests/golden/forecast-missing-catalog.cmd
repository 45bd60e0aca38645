forecast tests/golden/forecast-missing-catalog.yaml
