diff --fail-on budgett
