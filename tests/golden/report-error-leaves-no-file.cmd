report -o $TMP/r.html -f html tests/golden/forecast-missing-sku.yaml
