forecast --paths 200 examples/ai-assistant.yaml
