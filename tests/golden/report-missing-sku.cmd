report tests/golden/forecast-missing-sku.yaml
