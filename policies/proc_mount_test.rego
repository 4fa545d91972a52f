package kiln.rules.proc_mount_test

import data.kiln.rules.proc_mount
import rego.v1

container(sc) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": sc}]}}}}]}

test_unmasked_fails if {
	proc_mount.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].securityContext.procMount", "msg": "container a unmasks /proc (procMount Unmasked)"}} with input as container({"procMount": "Unmasked"})
}

test_default_passes if {
	count(proc_mount.deny) == 0 with input as container({"procMount": "Default"})
}

test_unset_passes if {
	count(proc_mount.deny) == 0 with input as container({})
}
