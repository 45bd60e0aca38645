roadmap -f json --quarters 4 --paths 300 --seed 20270101 tests/golden/forecast-small.yaml
