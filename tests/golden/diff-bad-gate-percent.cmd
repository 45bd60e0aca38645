diff --fail-on cost-increase=-5
