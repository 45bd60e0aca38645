roadmap --from 2027-13 examples/saas-web.yaml
