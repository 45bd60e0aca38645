validate examples/split/
