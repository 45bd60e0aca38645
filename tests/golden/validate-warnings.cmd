validate tests/golden/warnings.yaml
