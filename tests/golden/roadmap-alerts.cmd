roadmap --alert page:10:2h:10m --alert ticket:2:1d:2h --from 2031-07 --quarters 4 --paths 200 --seed 20270101 examples/saas-web.yaml
