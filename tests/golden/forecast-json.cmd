forecast --format json --paths 200 -o $TMP/f.json examples/ai-assistant.yaml
