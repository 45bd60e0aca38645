forecast -f markdown --paths 200 examples/ai-assistant.yaml
