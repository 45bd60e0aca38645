plan --format markdown examples/ai-assistant.yaml
