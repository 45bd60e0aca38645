forecast -o $TMP/f.csv -f csv tests/golden/forecast-missing-sku.yaml
