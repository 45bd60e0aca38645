report examples/nope.yaml
