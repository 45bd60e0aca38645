graph tests/bad/cycle.yaml
