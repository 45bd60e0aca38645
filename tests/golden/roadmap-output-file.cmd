roadmap --quarters 4 --paths 50 --seed 20270101 -o $TMP/roadmap.md --format markdown examples/saas-web.yaml
