roadmap -f markdown --paths 200 --seed 20270101 --quarters 4 examples/saas-web.yaml
