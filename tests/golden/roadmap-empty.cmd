roadmap --format markdown tests/golden/roadmap-empty.yaml
