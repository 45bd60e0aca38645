plan --detailed-exitcode --taget service.web-api examples/saas-web.yaml
