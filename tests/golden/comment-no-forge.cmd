comment --plan $TMP/p.json
