state --help
