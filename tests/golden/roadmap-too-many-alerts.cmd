roadmap --alert a:1:1h:5m --alert b:1:1h:5m --alert c:1:1h:5m --alert d:1:1h:5m --alert e:1:1h:5m --alert f:1:1h:5m --alert g:1:1h:5m examples/saas-web.yaml
