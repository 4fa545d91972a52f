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
	secret_name(e.name)
}

secret_name(name) if regex.match(`(?i)(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY)`, name)

# A name ending in a KEY word (SIGNING_KEY, ENCRYPTION_KEY, ACCESS_KEY) is
# a key, unless it names a kind of key that is no secret (PUBLIC_KEY,
# PARTITION_KEY). KEY inside a word (KEYCLOAK_URL, MONKEY) is not one.
secret_name(name) if {
	regex.match(`(?i)(^|[_.-])KEY$`, name)
	not regex.match(`(?i)(^|[_.-])(PUBLIC|PRIMARY|PARTITION|SORT|RANGE|HASH|ROUTING|CACHE|FOREIGN|IDEMPOTENCY)[_.-]KEY$`, name)
}
