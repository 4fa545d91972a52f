# METADATA
# title: RBAC rules name what they grant
# description: A wildcard in a rule's verbs, resources or API groups grants every present and future verb, resource or group, including those that hand out more power (secrets, escalate, impersonate).
# custom:
#   id: rbac-wildcard
#   severity: warning
#   remediation: List the verbs, resources and API groups the subject needs instead of "*".
package kiln.rules.rbac_wildcard

import data.kiln.lib
import rego.v1

deny contains lib.finding(r.object, sprintf("%s.%s[%d]", [r.path, field, i]), sprintf("%s/%s grants every %s (\"*\")", [r.object.kind, r.object.metadata.name, noun[field]])) if {
	some r in lib.rbac_rules
	some field in ["verbs", "resources", "apiGroups"]
	some i, v in object.get(r.rule, field, [])
	v == "*"
}

noun := {"verbs": "verb", "resources": "resource", "apiGroups": "API group"}
