roadmap --percentile 50 --from 2029-01 --until 2030-06 --quarters 4 --paths 200 --seed 7 examples/saas-web.yaml
