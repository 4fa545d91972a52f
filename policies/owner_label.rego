# METADATA
# title: Every object names its owner
# description: An object without an owner label is one nobody answers for when it breaks or costs money.
# custom:
#   id: owner-label
#   severity: error
#   remediation: Set metadata.owner; kiln labels every object with it. Do not patch the kiln.dev/owner label away. Plain manifests may name the owner in an owner label, or in the label conventions.ownerLabel of .kiln/config.yaml names.
package kiln.rules.owner_label

import data.kiln.lib
import rego.v1

deny contains lib.finding(obj, "metadata.labels", sprintf("%s/%s has no %s label", [obj.kind, obj.metadata.name, lib.owner_label])) if {
	some obj in input.objects
	not lib.owner(obj)
}
