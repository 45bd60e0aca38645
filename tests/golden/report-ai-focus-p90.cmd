report -f focus --path p90 --months 2 --paths 100 --seed 7 examples/ai-assistant.yaml
