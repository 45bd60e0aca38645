forecast tests/golden/forecast-currency.yaml
