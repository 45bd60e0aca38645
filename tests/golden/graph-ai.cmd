graph -f dot examples/ai-assistant.yaml
