validate a.yaml b.yaml
