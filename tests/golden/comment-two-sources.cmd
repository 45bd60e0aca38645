comment github --plan a.json --diff b.md
