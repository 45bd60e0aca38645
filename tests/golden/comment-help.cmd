comment --help
