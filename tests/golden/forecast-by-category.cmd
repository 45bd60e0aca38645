forecast --by category -f csv --paths 200 -o $TMP/c.csv examples/ai-assistant.yaml
