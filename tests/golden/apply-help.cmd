apply --help
