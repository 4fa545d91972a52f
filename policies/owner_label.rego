# METADATA
# title: Every object names its owner
# description: An object without an owner label is one nobody answers for when it breaks or costs money.
# custom:
#   id: owner-label
#   severity: error
#   remediation: Set metadata.owner; kiln labels every object with it. Do not patch the kiln.dev/owner label away.
package kiln.rules.owner_label

import rego.v1

deny contains {"kind": obj.kind, "name": obj.metadata.name, "path": "metadata.labels", "msg": sprintf("%s/%s has no kiln.dev/owner label", [obj.kind, obj.metadata.name])} if {
	some obj in input.objects
	not obj.metadata.labels["kiln.dev/owner"]
}
