init -
