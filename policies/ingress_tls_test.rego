package kiln.rules.ingress_tls_test

import data.kiln.rules.ingress_tls
import rego.v1

ing(tls) := {"kind": "Ingress", "metadata": {"name": "i"}, "spec": {"tls": tls, "rules": [{"host": "a.example.com"}]}}

test_prod_without_tls_fails if {
	count(ingress_tls.deny) == 1 with input as {"objects": [ing([])]} with data.kiln.context as {"production": true, "environment": "prod"}
}

test_uncovered_host_fails if {
	count(ingress_tls.deny) == 1 with input as {"objects": [ing([{"hosts": ["b.example.com"], "secretName": "s"}])]} with data.kiln.context as {"production": true, "environment": "prod"}
}

test_prod_with_tls_passes if {
	count(ingress_tls.deny) == 0 with input as {"objects": [ing([{"hosts": ["a.example.com"], "secretName": "s"}])]} with data.kiln.context as {"production": true, "environment": "prod"}
}

test_staging_passes if {
	count(ingress_tls.deny) == 0 with input as {"objects": [ing([])]} with data.kiln.context as {"production": false, "environment": "staging"}
}
