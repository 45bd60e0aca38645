validate examples/ai-assistant.yaml
