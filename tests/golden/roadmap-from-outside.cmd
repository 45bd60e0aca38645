roadmap --from 2026-12 examples/saas-web.yaml
