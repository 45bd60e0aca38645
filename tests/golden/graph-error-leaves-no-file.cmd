graph -o $TMP/g.png --format png tests/bad/cycle.yaml
