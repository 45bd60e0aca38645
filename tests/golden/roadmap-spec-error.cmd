roadmap tests/bad/cycle.yaml
