# METADATA
# title: Nothing is bound to cluster-admin
# description: cluster-admin may do anything to any object of the cluster; a binding to it makes the subject, and everyone who can act as it, an administrator of the whole cluster.
# custom:
#   id: rbac-cluster-admin
#   severity: error
#   remediation: Bind a Role (or ClusterRole) that grants only what the subject needs.
package kiln.rules.rbac_cluster_admin

import data.kiln.lib
import rego.v1

deny contains lib.finding(b, "roleRef.name", sprintf("%s/%s binds the cluster-admin ClusterRole", [b.kind, b.metadata.name])) if {
	some b in input.objects
	b.kind in {"ClusterRoleBinding", "RoleBinding"}
	b.roleRef.kind == "ClusterRole"
	b.roleRef.name == "cluster-admin"
}
