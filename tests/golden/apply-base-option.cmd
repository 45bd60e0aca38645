apply --base main plan.json
