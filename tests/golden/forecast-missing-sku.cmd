forecast tests/golden/forecast-missing-sku.yaml
