# METADATA
# title: A StatefulSet's disks have a bounded size
# description: A volumeClaimTemplate without a storage request is refused by most provisioners and leaves every replica Pending; one far larger than the repository's maximum (a typo of Ti for Gi) is paid for per replica, and a provisioned disk cannot shrink.
# custom:
#   id: statefulset-pvc-size
#   severity: error
#   remediation: Give each of spec.volumes a size (a StatefulSet's volumeClaimTemplates a spec.resources.requests.storage) no larger than the conventions' maxVolumeSize (default 1Ti), or raise maxVolumeSize in .kiln/config.yaml.
package kiln.rules.statefulset_pvc_size

import data.kiln.lib
import rego.v1

# default_max is the largest disk a replica may ask for when the repository
# sets no maxVolumeSize convention.
default_max := "1Ti"

deny contains lib.finding(o, path, sprintf("StatefulSet/%s's volumeClaimTemplate %s requests no storage: its replicas stay Pending", [o.metadata.name, name(c, i)])) if {
	some o in input.objects
	lib.statefulset(o)
	some i, c in object.get(o.spec, "volumeClaimTemplates", [])
	path := sprintf("spec.volumeClaimTemplates[%d].spec.resources.requests.storage", [i])
	object.get(c, ["spec", "resources", "requests", "storage"], null) == null
}

deny contains object.union(lib.finding(o, path, msg), {"severity": "warning"}) if {
	some o in input.objects
	lib.statefulset(o)
	max := lib.convention("maxVolumeSize", default_max)
	some i, c in object.get(o.spec, "volumeClaimTemplates", [])
	size := c.spec.resources.requests.storage
	lib.bytes(size) > lib.bytes(max)
	path := sprintf("spec.volumeClaimTemplates[%d].spec.resources.requests.storage", [i])
	msg := sprintf("StatefulSet/%s's volumeClaimTemplate %s requests %v per replica, above the maximum of %v (maxVolumeSize)", [o.metadata.name, name(c, i), size, max])
}

name(c, _) := c.metadata.name

name(c, i) := sprintf("[%d]", [i]) if not c.metadata.name
