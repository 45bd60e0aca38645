diff --paths 0
