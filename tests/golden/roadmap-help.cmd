roadmap --help
