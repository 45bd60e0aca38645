init $TMP/new.yaml
