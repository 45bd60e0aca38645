forecast tests/bad/cycle.yaml
