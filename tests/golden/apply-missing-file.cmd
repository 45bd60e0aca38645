apply $TMP/missing.json
