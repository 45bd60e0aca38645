forecast --by team examples/saas-web.yaml
