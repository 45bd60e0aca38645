roadmap no-such-spec.yaml
