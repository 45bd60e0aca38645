roadmap -o $TMP/r.json -f json tests/golden/forecast-missing-sku.yaml
