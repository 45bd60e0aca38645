validate examples/split
