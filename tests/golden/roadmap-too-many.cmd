roadmap examples/saas-web.yaml examples/ai-assistant.yaml
