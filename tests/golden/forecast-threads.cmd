forecast --threads 1 -f json --paths 300 -o $TMP/t1.json examples/ai-assistant.yaml
