init -o $TMP/x.yaml
