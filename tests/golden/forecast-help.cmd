forecast --help
