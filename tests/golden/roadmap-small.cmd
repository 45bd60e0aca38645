roadmap --percentile 99 --paths 300 --seed 20270101 tests/golden/forecast-small.yaml
