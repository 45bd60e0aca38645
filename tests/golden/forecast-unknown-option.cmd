forecast --bogus examples/saas-web.yaml
