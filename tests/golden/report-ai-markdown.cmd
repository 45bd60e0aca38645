report -f markdown --paths 200 --seed 7 examples/ai-assistant.yaml
