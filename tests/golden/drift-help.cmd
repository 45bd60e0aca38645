drift --help
