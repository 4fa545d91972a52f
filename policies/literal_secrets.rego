# METADATA
# title: Secrets are not written as plain environment values
# description: A password or token in an environment value is stored in the manifest, the repository and every log of it.
# custom:
#   id: literal-secrets
#   severity: error
#   remediation: Move the value to a Kubernetes Secret and reference it in spec.secrets.
package kiln.rules.literal_secrets

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.env[%d]", [c.path, i]), sprintf("environment variable %s holds a literal value; names like it hold secrets", [e.name])) if {
	some c in lib.containers
	some i, e in c.container.env
	e.value
	regex.match(`(?i)(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY)`, e.name)
}
