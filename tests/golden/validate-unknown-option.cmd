validate --bogus examples/saas-web.yaml
