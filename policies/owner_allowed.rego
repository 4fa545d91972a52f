# METADATA
# title: Owners are known teams
# description: "An owner nobody recognises pages nobody: the owner must be a team the organisation lists."
# custom:
#   id: owner-allowed
#   severity: error
#   remediation: Set metadata.owner to one of the teams in data.allowed_owners, or ask the platform team to add yours.
package kiln.rules.owner_allowed

import data.kiln.lib
import rego.v1

deny contains lib.app_finding("metadata.owner", sprintf("owner %s is not one of the known teams (%s)", [input.app.metadata.owner, concat(", ", data.allowed_owners)])) if {
	count(data.allowed_owners) > 0
	not input.app.metadata.owner in data.allowed_owners
}

deny contains lib.finding(o, "metadata.labels", sprintf("owner %s is not one of the known teams (%s)", [owner, concat(", ", data.allowed_owners)])) if {
	count(data.allowed_owners) > 0
	not input.app
	some o in input.objects
	owner := lib.owner(o)
	not owner in data.allowed_owners
}
