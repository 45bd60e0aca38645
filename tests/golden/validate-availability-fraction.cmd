validate tests/golden/availability-fraction.yaml
