plan --at 2030-06 --percentile 90 --target service.web-api --target datastore examples/saas-web.yaml
