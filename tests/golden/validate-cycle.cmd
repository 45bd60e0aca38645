validate tests/bad/queue-cycle.yaml
