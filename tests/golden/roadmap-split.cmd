roadmap -f markdown --from 2028-01 --until 2028-12 --quarters 4 --paths 100 --seed 20270101 examples/split
