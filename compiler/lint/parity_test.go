package lint

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
)

var update = flag.Bool("update", false, "rewrite docs/parity.md and raise the recall floors in testdata/parity-floors.txt")

// Outcomes a parity row expects of the kiln rules equivalent to its check.
const (
	fire  = true  // at least one of them reports the object
	quiet = false // none of them does
)

// parity is what kube-linter's check fixtures (testdata/kube-linter) and
// kubeconform's fixtures (testdata/kubeconform) expect of each object,
// written down once: the file, the object's document (1-based, with its
// kind and name to catch a misnumbered row), the check and whether it
// fires. Objects kube-linter's own tests leave unjudged (a Role its
// binding is reported for, the workloads beside a dangling selector) have
// no row. The kiln rules a check stands for are in equivalents.
var parity = []struct {
	file   string
	doc    int
	object string
	check  string
	want   bool
}{
	{"kube-linter/checks/access-to-create-pods.yml", 1, "Role/dont-fire", "access-to-create-pods", quiet},
	{"kube-linter/checks/access-to-create-pods.yml", 3, "RoleBinding/role-binding1", "access-to-create-pods", fire},
	{"kube-linter/checks/access-to-secrets.yml", 1, "Role/dont-fire", "access-to-secrets", quiet},
	{"kube-linter/checks/access-to-secrets.yml", 3, "RoleBinding/role-binding1", "access-to-secrets", fire},
	{"kube-linter/checks/cluster-admin-role-binding.yml", 1, "ClusterRoleBinding/dont-fire", "cluster-admin-role-binding", quiet},
	{"kube-linter/checks/cluster-admin-role-binding.yml", 2, "ClusterRoleBinding/role-binding1", "cluster-admin-role-binding", fire},
	{"kube-linter/checks/dangling-hpa.yml", 1, "Deployment/dont-fire", "dangling-hpa", quiet},
	{"kube-linter/checks/dangling-hpa.yml", 2, "HorizontalPodAutoscaler/RELEASE-NAME-mychart", "dangling-hpa", quiet},
	{"kube-linter/checks/dangling-hpa.yml", 4, "HorizontalPodAutoscaler/hpa1", "dangling-hpa", fire},
	{"kube-linter/checks/dangling-ingress.yml", 1, "Service/dont-fire", "dangling-ingress", quiet},
	{"kube-linter/checks/dangling-ingress.yml", 2, "Ingress/dont-fire", "dangling-ingress", quiet},
	{"kube-linter/checks/dangling-ingress.yml", 3, "Ingress/dont-fire-named-port", "dangling-ingress", quiet},
	{"kube-linter/checks/dangling-ingress.yml", 4, "Ingress/dont-fire-defaultbackend", "dangling-ingress", quiet},
	{"kube-linter/checks/dangling-ingress.yml", 5, "Ingress/dont-fire-resource", "dangling-ingress", quiet},
	{"kube-linter/checks/dangling-ingress.yml", 6, "Ingress/missing-service", "dangling-ingress", fire},
	{"kube-linter/checks/dangling-ingress.yml", 7, "Service/bad-port", "dangling-ingress", quiet},
	{"kube-linter/checks/dangling-ingress.yml", 8, "Ingress/bad-port", "dangling-ingress", fire},
	{"kube-linter/checks/dangling-service.yml", 1, "Deployment/dont-fire", "dangling-service", quiet},
	{"kube-linter/checks/dangling-service.yml", 2, "Service/dont-fire", "dangling-service", quiet},
	{"kube-linter/checks/dangling-service.yml", 3, "Deployment/app1", "dangling-service", quiet},
	{"kube-linter/checks/dangling-service.yml", 4, "Service/app1", "dangling-service", fire},
	{"kube-linter/checks/dangling-service.yml", 5, "DeploymentConfig/app2", "dangling-service", quiet},
	{"kube-linter/checks/dangling-service.yml", 6, "Service/app2", "dangling-service", fire},
	{"kube-linter/checks/default-service-account.yml", 1, "Deployment/dont-fire", "default-service-account", quiet},
	{"kube-linter/checks/default-service-account.yml", 2, "DeploymentConfig/dont-fire", "default-service-account", quiet},
	{"kube-linter/checks/default-service-account.yml", 3, "Deployment/app", "default-service-account", fire},
	{"kube-linter/checks/default-service-account.yml", 4, "DeploymentConfig/app", "default-service-account", fire},
	{"kube-linter/checks/docker-sock.yml", 1, "Deployment/dont-fire", "docker-sock", quiet},
	{"kube-linter/checks/docker-sock.yml", 2, "DeploymentConfig/dont-fire", "docker-sock", quiet},
	{"kube-linter/checks/docker-sock.yml", 3, "Deployment/app", "docker-sock", fire},
	{"kube-linter/checks/docker-sock.yml", 4, "DeploymentConfig/app", "docker-sock", fire},
	{"kube-linter/checks/drop-net-raw-capability.yml", 1, "Deployment/dont-fire", "drop-net-raw-capability", quiet},
	{"kube-linter/checks/drop-net-raw-capability.yml", 2, "DeploymentConfig/dont-fire", "drop-net-raw-capability", quiet},
	{"kube-linter/checks/drop-net-raw-capability.yml", 3, "Deployment/app", "drop-net-raw-capability", fire},
	{"kube-linter/checks/drop-net-raw-capability.yml", 4, "DeploymentConfig/app", "drop-net-raw-capability", fire},
	{"kube-linter/checks/duplicate-env-var.yaml", 1, "Deployment/", "duplicate-env-var", fire},
	{"kube-linter/checks/duplicate-env-var.yaml", 2, "StatefulSet/", "duplicate-env-var", fire},
	{"kube-linter/checks/env-var-secret.yml", 1, "Deployment/dont-fire", "env-var-secret", quiet},
	{"kube-linter/checks/env-var-secret.yml", 2, "DeploymentConfig/dont-fire", "env-var-secret", quiet},
	{"kube-linter/checks/env-var-secret.yml", 3, "Deployment/app", "env-var-secret", fire},
	{"kube-linter/checks/env-var-secret.yml", 4, "DeploymentConfig/app", "env-var-secret", fire},
	{"kube-linter/checks/exposed-services.yml", 1, "Service/dont-fire", "exposed-services", quiet},
	{"kube-linter/checks/exposed-services.yml", 2, "Service/app", "exposed-services", fire},
	{"kube-linter/checks/host-ipc.yml", 1, "Deployment/dont-fire", "host-ipc", quiet},
	{"kube-linter/checks/host-ipc.yml", 2, "DeploymentConfig/dont-fire", "host-ipc", quiet},
	{"kube-linter/checks/host-ipc.yml", 3, "Deployment/app", "host-ipc", fire},
	{"kube-linter/checks/host-ipc.yml", 4, "DeploymentConfig/app", "host-ipc", fire},
	{"kube-linter/checks/host-network.yml", 1, "Deployment/dont-fire", "host-network", quiet},
	{"kube-linter/checks/host-network.yml", 2, "DeploymentConfig/dont-fire", "host-network", quiet},
	{"kube-linter/checks/host-network.yml", 3, "Deployment/app", "host-network", fire},
	{"kube-linter/checks/host-network.yml", 4, "DeploymentConfig/app", "host-network", fire},
	{"kube-linter/checks/host-pid.yml", 1, "Deployment/dont-fire", "host-pid", quiet},
	{"kube-linter/checks/host-pid.yml", 2, "DeploymentConfig/dont-fire", "host-pid", quiet},
	{"kube-linter/checks/host-pid.yml", 3, "Deployment/app", "host-pid", fire},
	{"kube-linter/checks/host-pid.yml", 4, "DeploymentConfig/app", "host-pid", fire},
	{"kube-linter/checks/invalid-target-ports.yaml", 1, "Service/invalid-target-ports", "invalid-target-ports", fire},
	{"kube-linter/checks/invalid-target-ports.yaml", 2, "Deployment/invalid-target-ports", "invalid-target-ports", fire},
	{"kube-linter/checks/invalid-target-ports.yaml", 3, "Service/empty-ports", "invalid-target-ports", quiet},
	{"kube-linter/checks/invalid-target-ports.yaml", 4, "Deployment/empty-ports", "invalid-target-ports", quiet},
	{"kube-linter/checks/invalid-target-ports.yaml", 5, "Service/no-target-port", "invalid-target-ports", quiet},
	{"kube-linter/checks/invalid-target-ports.yaml", 6, "Deployment/no-target-port", "invalid-target-ports", quiet},
	{"kube-linter/checks/latest-tag.yml", 1, "Deployment/dont-fire", "latest-tag", quiet},
	{"kube-linter/checks/latest-tag.yml", 2, "DeploymentConfig/dont-fire", "latest-tag", quiet},
	{"kube-linter/checks/latest-tag.yml", 3, "Deployment/app", "latest-tag", fire},
	{"kube-linter/checks/latest-tag.yml", 4, "DeploymentConfig/app", "latest-tag", fire},
	{"kube-linter/checks/mismatching-selector.yml", 1, "Deployment/dont-fire", "mismatching-selector", quiet},
	{"kube-linter/checks/mismatching-selector.yml", 2, "DeploymentConfig/dont-fire", "mismatching-selector", quiet},
	{"kube-linter/checks/mismatching-selector.yml", 3, "Deployment/app1", "mismatching-selector", fire},
	{"kube-linter/checks/mismatching-selector.yml", 4, "DeploymentConfig/app2", "mismatching-selector", fire},
	{"kube-linter/checks/no-extensions-v1beta.yml", 1, "NetworkPolicy/app", "no-extensions-v1beta", quiet},
	{"kube-linter/checks/no-extensions-v1beta.yml", 2, "NetworkPolicy/app", "no-extensions-v1beta", fire},
	{"kube-linter/checks/no-liveness-probe.yml", 1, "Deployment/dont-fire", "no-liveness-probe", quiet},
	{"kube-linter/checks/no-liveness-probe.yml", 2, "DeploymentConfig/dont-fire", "no-liveness-probe", quiet},
	{"kube-linter/checks/no-liveness-probe.yml", 3, "Deployment/app1", "no-liveness-probe", fire},
	{"kube-linter/checks/no-liveness-probe.yml", 4, "DeploymentConfig/app2", "no-liveness-probe", fire},
	{"kube-linter/checks/no-liveness-probe.yml", 5, "Deployment/dont-fire", "no-liveness-probe", quiet},
	{"kube-linter/checks/no-read-only-root-fs.yml", 1, "Deployment/dont-fire", "no-read-only-root-fs", quiet},
	{"kube-linter/checks/no-read-only-root-fs.yml", 2, "DeploymentConfig/dont-fire", "no-read-only-root-fs", quiet},
	{"kube-linter/checks/no-read-only-root-fs.yml", 3, "Deployment/app1", "no-read-only-root-fs", fire},
	{"kube-linter/checks/no-read-only-root-fs.yml", 4, "DeploymentConfig/app2", "no-read-only-root-fs", fire},
	{"kube-linter/checks/no-readiness-probe.yml", 1, "Deployment/dont-fire", "no-readiness-probe", quiet},
	{"kube-linter/checks/no-readiness-probe.yml", 2, "DeploymentConfig/dont-fire", "no-readiness-probe", quiet},
	{"kube-linter/checks/no-readiness-probe.yml", 3, "Deployment/app1", "no-readiness-probe", fire},
	{"kube-linter/checks/no-readiness-probe.yml", 4, "DeploymentConfig/app2", "no-readiness-probe", fire},
	{"kube-linter/checks/no-readiness-probe.yml", 5, "Deployment/dont-fire", "no-readiness-probe", quiet},
	{"kube-linter/checks/non-existent-service-account.yml", 1, "ServiceAccount/dont-fire", "non-existent-service-account", quiet},
	{"kube-linter/checks/non-existent-service-account.yml", 2, "Deployment/dont-fire", "non-existent-service-account", quiet},
	{"kube-linter/checks/non-existent-service-account.yml", 3, "Deployment/app", "non-existent-service-account", fire},
	{"kube-linter/checks/non-existent-service-account.yml", 4, "DeploymentConfig/app", "non-existent-service-account", fire},
	{"kube-linter/checks/non-isolated-pod.yml", 1, "NetworkPolicy/dont-fire1", "non-isolated-pod", quiet},
	{"kube-linter/checks/non-isolated-pod.yml", 2, "NetworkPolicy/dont-fire2", "non-isolated-pod", quiet},
	{"kube-linter/checks/non-isolated-pod.yml", 3, "Deployment/dont-fire", "non-isolated-pod", quiet},
	{"kube-linter/checks/non-isolated-pod.yml", 4, "DeploymentConfig/dont-fire", "non-isolated-pod", quiet},
	{"kube-linter/checks/non-isolated-pod.yml", 5, "Deployment/app1", "non-isolated-pod", fire},
	{"kube-linter/checks/non-isolated-pod.yml", 6, "DeploymentConfig/app2", "non-isolated-pod", fire},
	{"kube-linter/checks/pdb-max-unavailable.yaml", 1, "PodDisruptionBudget/baz", "pdb-max-unavailable", quiet},
	{"kube-linter/checks/pdb-max-unavailable.yaml", 2, "PodDisruptionBudget/foo", "pdb-max-unavailable", fire},
	{"kube-linter/checks/pdb-min-available.yaml", 1, "PodDisruptionBudget/baz", "pdb-min-available", fire},
	{"kube-linter/checks/pdb-min-available.yaml", 3, "PodDisruptionBudget/baz2", "pdb-min-available", fire},
	{"kube-linter/checks/pdb-min-available.yaml", 6, "PodDisruptionBudget/baz3", "pdb-min-available", fire},
	{"kube-linter/checks/privilege-escalation-container.yml", 1, "Deployment/dont-fire", "privilege-escalation-container", quiet},
	{"kube-linter/checks/privilege-escalation-container.yml", 2, "DeploymentConfig/dont-fire", "privilege-escalation-container", quiet},
	{"kube-linter/checks/privilege-escalation-container.yml", 3, "Deployment/app1", "privilege-escalation-container", fire},
	{"kube-linter/checks/privilege-escalation-container.yml", 4, "DeploymentConfig/app2", "privilege-escalation-container", fire},
	{"kube-linter/checks/privileged-container.yml", 1, "Deployment/dont-fire", "privileged-container", quiet},
	{"kube-linter/checks/privileged-container.yml", 2, "DeploymentConfig/dont-fire", "privileged-container", quiet},
	{"kube-linter/checks/privileged-container.yml", 3, "Deployment/app1", "privileged-container", fire},
	{"kube-linter/checks/privileged-container.yml", 4, "DeploymentConfig/app2", "privileged-container", fire},
	{"kube-linter/checks/privileged-ports.yml", 1, "Deployment/dont-fire", "privileged-ports", quiet},
	{"kube-linter/checks/privileged-ports.yml", 2, "DeploymentConfig/dont-fire", "privileged-ports", quiet},
	{"kube-linter/checks/privileged-ports.yml", 3, "Deployment/app1", "privileged-ports", fire},
	{"kube-linter/checks/privileged-ports.yml", 4, "DeploymentConfig/app2", "privileged-ports", fire},
	{"kube-linter/checks/required-label-owner.yml", 1, "Deployment/dont-fire", "required-label-owner", quiet},
	{"kube-linter/checks/required-label-owner.yml", 2, "DeploymentConfig/dont-fire", "required-label-owner", quiet},
	{"kube-linter/checks/required-label-owner.yml", 3, "Deployment/app1", "required-label-owner", fire},
	{"kube-linter/checks/required-label-owner.yml", 4, "DeploymentConfig/app2", "required-label-owner", fire},
	{"kube-linter/checks/restart-policy.yaml", 1, "Deployment/dont-fire-deployment-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 2, "Pod/dont-fire-pod-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 3, "DaemonSet/dont-fire-daemonset-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 4, "ReplicaSet/dont-fire-replicaset-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 5, "ReplicationController/dont-fire-replicationcontroller-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 6, "Job/dont-fire-job-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 7, "CronJob/dont-fire-cronjob-always", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 8, "Deployment/dont-fire-deployment-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 9, "Pod/dont-fire-pod-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 10, "DaemonSet/dont-fire-daemonset-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 11, "ReplicaSet/dont-fire-replicaset-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 12, "ReplicationController/dont-fire-replicationcontroller-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 13, "Job/dont-fire-job-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 14, "CronJob/dont-fire-cronjob-on-failure", "restart-policy", quiet},
	{"kube-linter/checks/restart-policy.yaml", 15, "Deployment/fire-deployment-never", "restart-policy", fire},
	{"kube-linter/checks/restart-policy.yaml", 16, "Pod/fire-pod-never", "restart-policy", fire},
	{"kube-linter/checks/restart-policy.yaml", 17, "DaemonSet/fire-daemonset-never", "restart-policy", fire},
	{"kube-linter/checks/restart-policy.yaml", 18, "ReplicaSet/fire-replicaset-never", "restart-policy", fire},
	{"kube-linter/checks/restart-policy.yaml", 19, "ReplicationController/fire-replicationcontroller-never", "restart-policy", fire},
	{"kube-linter/checks/restart-policy.yaml", 20, "Job/fire-job-never", "restart-policy", fire},
	{"kube-linter/checks/restart-policy.yaml", 21, "CronJob/fire-cronjob-never", "restart-policy", fire},
	{"kube-linter/checks/run-as-non-root.yml", 1, "Deployment/dont-fire", "run-as-non-root", quiet},
	{"kube-linter/checks/run-as-non-root.yml", 2, "DeploymentConfig/dont-fire", "run-as-non-root", quiet},
	{"kube-linter/checks/run-as-non-root.yml", 3, "Deployment/app1", "run-as-non-root", fire},
	{"kube-linter/checks/run-as-non-root.yml", 4, "DeploymentConfig/app2", "run-as-non-root", fire},
	{"kube-linter/checks/run-as-non-root.yml", 5, "Deployment/group-zero", "run-as-non-root", fire},
	{"kube-linter/checks/run-as-non-root.yml", 6, "DeploymentConfig/group-zero", "run-as-non-root", fire},
	{"kube-linter/checks/sensitive-host-mounts.yml", 1, "Deployment/app1", "sensitive-host-mounts", fire},
	{"kube-linter/checks/sensitive-host-mounts.yml", 2, "DeploymentConfig/app2", "sensitive-host-mounts", fire},
	{"kube-linter/checks/ssh-port.yml", 1, "Deployment/dont-fire", "ssh-port", quiet},
	{"kube-linter/checks/ssh-port.yml", 2, "DeploymentConfig/dont-fire", "ssh-port", quiet},
	{"kube-linter/checks/ssh-port.yml", 3, "Deployment/app1", "ssh-port", fire},
	{"kube-linter/checks/ssh-port.yml", 4, "DeploymentConfig/app2", "ssh-port", fire},
	{"kube-linter/checks/ssh-port.yml", 5, "DeploymentConfig/app3", "ssh-port", fire},
	{"kube-linter/checks/unsafe-proc-mount.yml", 1, "Deployment/app1", "unsafe-proc-mount", fire},
	{"kube-linter/checks/unsafe-proc-mount.yml", 2, "DeploymentConfig/app2", "unsafe-proc-mount", fire},
	{"kube-linter/checks/unsafe-sysctls.yml", 1, "Deployment/app1", "unsafe-sysctls", fire},
	{"kube-linter/checks/unsafe-sysctls.yml", 2, "DeploymentConfig/app2", "unsafe-sysctls", fire},
	{"kube-linter/checks/unset-cpu-requirements.yml", 1, "Deployment/app1", "unset-cpu-requirements", fire},
	{"kube-linter/checks/unset-cpu-requirements.yml", 2, "DeploymentConfig/app2", "unset-cpu-requirements", fire},
	{"kube-linter/checks/unset-memory-requirements.yml", 1, "Deployment/app1", "unset-memory-requirements", fire},
	{"kube-linter/checks/unset-memory-requirements.yml", 2, "DeploymentConfig/app2", "unset-memory-requirements", fire},
	{"kube-linter/checks/use-namespace.yml", 1, "Deployment/dont-fire", "use-namespace", quiet},
	{"kube-linter/checks/use-namespace.yml", 2, "Deployment/app1", "use-namespace", fire},
	{"kube-linter/checks/wildcard-in-rules.yml", 1, "Role/role1", "wildcard-in-rules", quiet},
	{"kube-linter/checks/wildcard-in-rules.yml", 2, "Role/role1", "wildcard-in-rules", fire},
	{"kube-linter/checks/writable-host-mount.yml", 1, "Deployment/app1", "writable-host-mount", fire},
	{"kube-linter/checks/writable-host-mount.yml", 2, "DeploymentConfig/app2", "writable-host-mount", fire},
	// kubeconform: is the object one the API server accepts?
	{"kubeconform/fixtures/valid.yaml", 1, "ReplicationController/bob", "kubeconform", quiet},
	{"kubeconform/fixtures/invalid.yaml", 1, "ReplicationController/bob", "kubeconform", fire},
	{"kubeconform/fixtures/multi_valid.yaml", 1, "Service/redis-master", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_valid.yaml", 2, "ReplicationController/redis-master", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_valid.yaml", 3, "Service/redis-slave", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_valid.yaml", 4, "ReplicationController/redis-slave", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_valid.yaml", 5, "Service/frontend", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_valid.yaml", 6, "ReplicationController/frontend", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_invalid.yaml", 1, "Service/redis-master", "kubeconform", fire},
	{"kubeconform/fixtures/multi_invalid.yaml", 2, "ReplicationController/redis-master", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_invalid.yaml", 3, "Service/redis-slave", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_invalid.yaml", 4, "ReplicationController/redis-slave", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_invalid.yaml", 5, "Service/frontend", "kubeconform", quiet},
	{"kubeconform/fixtures/multi_invalid.yaml", 6, "ReplicationController/frontend", "kubeconform", quiet},
	{"kubeconform/fixtures/list_valid.yaml", 1, "List/", "kubeconform", quiet},
	{"kubeconform/fixtures/list_invalid.yaml", 1, "List/", "kubeconform", fire},
	{"kubeconform/fixtures/int_or_string.yaml", 1, "Service/heapster", "kubeconform", quiet},
	{"kubeconform/fixtures/quantity.yaml", 1, "LimitRange/mem-limit-range", "kubeconform", quiet},
	{"kubeconform/fixtures/null_array.yaml", 1, "Deployment/kubernetes-dashboard", "kubeconform", quiet},
	{"kubeconform/fixtures/null_string.yaml", 1, "Service/frontend", "kubeconform", quiet},
	{"kubeconform/fixtures/generate_name.yaml", 1, "Job/", "kubeconform", quiet},
	{"kubeconform/fixtures/unconventional_keys.yaml", 1, "ConfigMap/unconventional-keys", "kubeconform", quiet},
	{"kubeconform/fixtures/extra_property.yaml", 1, "DaemonSet/nginx-ds", "kubeconform", fire},
	{"kubeconform/fixtures/duplicate_property.yaml", 1, "DaemonSet/nginx-ds", "kubeconform", fire},
	{"kubeconform/fixtures/missing_apiversion.yaml", 1, "ReplicationController/bob", "kubeconform", fire},
	{"kubeconform/fixtures/missing_kind.yaml", 1, "/", "kubeconform", fire},
	{"kubeconform/fixtures/missing_kind_value.yaml", 1, "/", "kubeconform", fire},
}

// equivalents maps a check to the kiln findings that stand for it: a
// rule id; a rule id and, after "@", what its finding's field path or
// message must hold, for a rule that covers more than the check
// (probes-present@livenessProbe); or a code prefix ending in "/" for
// the errors of that family (kubeconform's verdict is kiln's schema
// validation). A check with no entry has no kiln equivalent yet: its
// rows are kept, and counted, so that adding the rule here shows its
// recall at once. Left without one on purpose: restart-policy (kube-linter
// asks Always or OnFailure of Pods and Jobs too, a preference, where kiln
// reports what the API server refuses), and wildcard-in-rules, whose
// fixture holds two Roles of one name in one namespace, which kiln, like
// kubectl apply, cannot tell apart (rbac-wildcard's own tests cover it).
var equivalents = map[string][]string{
	"privileged-container":           {"no-privileged"},
	"privilege-escalation-container": {"no-privilege-escalation"},
	"host-ipc":                       {"no-host-access@hostIPC"},
	"host-network":                   {"no-host-access@hostNetwork"},
	"host-pid":                       {"no-host-access@hostPID"},
	"sensitive-host-mounts":          {"no-host-path"},
	"writable-host-mount":            {"no-host-path"},
	"docker-sock":                    {"no-host-path@docker.sock"},
	"latest-tag":                     {"image-pinned"},
	"no-liveness-probe":              {"probes-present@livenessProbe"},
	"no-readiness-probe":             {"probes-present@readinessProbe"},
	"no-read-only-root-fs":           {"read-only-root-filesystem"},
	"run-as-non-root":                {"run-as-non-root"},
	"drop-net-raw-capability":        {"drop-capabilities@capabilities.add"},
	"unset-cpu-requirements":         {"resources-set@cpu"},
	"unset-memory-requirements":      {"resources-set@memory"},
	"required-label-owner":           {"owner-label"},
	"env-var-secret":                 {"literal-secrets"},
	"non-isolated-pod":               {"network-policy"},
	"kubeconform":                    {"kube/", "load/", "lint/"},
	"access-to-create-pods":          {"rbac-pod-exec"},
	"access-to-secrets":              {"rbac-secrets"},
	"cluster-admin-role-binding":     {"rbac-cluster-admin"},
	"exposed-services":               {"service-exposure"},
	"privileged-ports":               {"privileged-ports"},
	"ssh-port":                       {"ssh-port"},
	"unsafe-proc-mount":              {"proc-mount"},
	"unsafe-sysctls":                 {"safe-sysctls"},
	"use-namespace":                  {"namespace-set"},
	"no-extensions-v1beta":           {"removed-api", "kube/removed-api"},
	"dangling-hpa":                   {"dangling-hpa"},
	"dangling-ingress":               {"dangling-ingress"},
	"dangling-service":               {"dangling-service"},
	"default-service-account":        {"default-service-account"},
	"non-existent-service-account":   {"service-account-exists"},
	"pdb-max-unavailable":            {"pdb-allows-eviction"},
	"pdb-min-available":              {"pdb-allows-eviction"},
	"duplicate-env-var":              {"kube/rule@env"},
	"invalid-target-ports":           {"kube/rule@targetPort", "kube/rule@containerPort", "kube/schema@targetPort"},
	"mismatching-selector":           {"kube/rule@selector", "selector-matches-template"},
}

// matches reports whether finding d stands for one of codes.
func matches(d diag.Diagnostic, codes []string) bool {
	for _, c := range codes {
		rule, part, narrowed := strings.Cut(c, "@")
		switch {
		case strings.HasSuffix(c, "/"):
			if strings.HasPrefix(d.Code, c) && d.Severity == diag.Error {
				return true
			}
		case d.Code != rule:
		case !narrowed || strings.Contains(d.ObjectPath, part) || strings.Contains(d.Message, part):
			return true
		}
	}
	return false
}

// TestParityMatching: a narrowed equivalent counts only the findings of
// its rule about its part; a code family only errors.
func TestParityMatching(t *testing.T) {
	probe := func(path string) diag.Diagnostic {
		return diag.Diagnostic{Severity: diag.Warning, Code: "probes-present", ObjectPath: "spec.template.spec.containers[0]." + path}
	}
	for _, c := range []struct {
		d     diag.Diagnostic
		codes []string
		want  bool
	}{
		{probe("livenessProbe"), equivalents["no-liveness-probe"], true},
		{probe("readinessProbe"), equivalents["no-liveness-probe"], false},
		{probe("readinessProbe"), []string{"probes-present"}, true},
		{diag.Diagnostic{Code: "no-host-path", Message: "volume s mounts /var/run/docker.sock of the node"}, equivalents["docker-sock"], true},
		{diag.Diagnostic{Code: "no-host-path", Message: "volume s mounts /var/run/thing.sock of the node"}, equivalents["docker-sock"], false},
		{diag.Diagnostic{Severity: diag.Error, Code: "kube/schema"}, equivalents["kubeconform"], true},
		{diag.Diagnostic{Severity: diag.Warning, Code: "kube/duplicate-env"}, equivalents["kubeconform"], false},
		{diag.Diagnostic{Severity: diag.Error, Code: "owner-label"}, equivalents["kubeconform"], false},
	} {
		if got := matches(c.d, c.codes); got != c.want {
			t.Errorf("matches(%s %s %q, %v) = %v, want %v", c.d.Code, c.d.ObjectPath, c.d.Message, c.codes, got, c.want)
		}
	}
}

// checkScore is one check's outcome over the fixtures.
type checkScore struct {
	check          string
	fire, hits     int
	quiet          int
	falsePositives []string
	misses         []string
	equivalent     []string
}

// TestParityWithKubeLinterAndKubeconform lints the fixtures and compares
// what kiln reports on each object with what the table expects. A kiln
// equivalent firing on an object named not to fire fails the test; recall
// may not fall below the floor recorded per check, which only rises.
func TestParityWithKubeLinterAndKubeconform(t *testing.T) {
	found := map[string][]diag.List{} // file → document (0-based) → findings
	objects := map[string][]string{}  // file → document → Kind/name
	for _, r := range parity {
		if _, done := found[r.file]; !done {
			found[r.file], objects[r.file] = lintFixture(t, r.file)
		}
	}
	scores := map[string]*checkScore{}
	var order []string
	for _, r := range parity {
		s := scores[r.check]
		if s == nil {
			s = &checkScore{check: r.check, equivalent: equivalents[r.check]}
			scores[r.check] = s
			order = append(order, r.check)
		}
		docs := found[r.file]
		if r.doc < 1 || r.doc > len(docs) {
			t.Fatalf("%s: no document %d (%d documents)", r.file, r.doc, len(docs))
		}
		if got := objects[r.file][r.doc-1]; got != "" && got != r.object {
			t.Fatalf("%s document %d is %s, not %s: the table is misnumbered", r.file, r.doc, got, r.object)
		}
		fired := slices.ContainsFunc(docs[r.doc-1], func(d diag.Diagnostic) bool { return matches(d, s.equivalent) })
		where := fmt.Sprintf("%s#%d %s", r.file, r.doc, r.object)
		switch {
		case r.want == fire:
			s.fire++
			if fired {
				s.hits++
			} else if s.equivalent != nil {
				s.misses = append(s.misses, where+unjudged(docs[r.doc-1]))
			}
		default:
			s.quiet++
			if fired {
				s.falsePositives = append(s.falsePositives, where)
			}
		}
	}
	slices.Sort(order)
	var list []*checkScore
	for _, c := range order {
		list = append(list, scores[c])
	}
	for _, s := range list {
		t.Logf("%-32s %-28s recall %s, false positives %d/%d", s.check, orNone(s.equivalent), recall(s), len(s.falsePositives), s.quiet)
		for _, m := range s.misses {
			t.Logf("    missed %s", m)
		}
		for _, fp := range s.falsePositives {
			t.Errorf("%s: kiln's %s reports %s, which must not fire", s.check, strings.Join(s.equivalent, ", "), fp)
		}
	}
	checkFloors(t, list)
	checkDoc(t, parityDoc(list))
}

// lintFixture lints one fixture as kiln lint would (kube-linter's with
// the built-in guardrails, kubeconform's with the schemas only) and
// sorts the findings by the document they are in.
func lintFixture(t *testing.T, name string) ([]diag.List, []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f := source.NewFile(name, data)
	opts := options(t)
	if strings.HasPrefix(name, "kubeconform/") {
		opts.Policy = nil
	}
	_, ds := File(f, opts)
	nodes, _ := load.Stream(f, load.Options{Format: load.YAML, MaxBytes: MaxBytes})
	docs := make([]diag.List, max(len(nodes), 1))
	objects := make([]string, len(docs))
	for i, n := range nodes {
		objects[i] = scalarField(n, "kind") + "/"
		if m := n.Field("metadata"); m != nil {
			objects[i] += scalarField(m.Value, "name")
		}
	}
	for _, d := range ds {
		i := slices.IndexFunc(nodes, func(n *load.Node) bool {
			return d.Pos.Valid() && n.Pos.Offset <= d.Pos.Offset && d.Pos.Offset <= n.End.Offset
		})
		switch {
		case i >= 0:
			docs[i] = append(docs[i], d)
		case len(docs) == 1: // the file did not parse, or the finding is about the whole file
			docs[0] = append(docs[0], d)
		default:
			t.Logf("%s: finding in no document: %s %s", name, d.Code, d.Message)
		}
	}
	return docs, objects
}

// unjudged says why the guardrails may not have judged a document: the
// first error schema validation found in it, if any.
func unjudged(ds diag.List) string {
	for _, d := range ds {
		if d.Code == "kube/schema" || d.Code == "kube/unknown-kind" {
			return fmt.Sprintf(" (not judged: %s)", d.Message)
		}
	}
	return ""
}

func scalarField(n *load.Node, name string) string {
	if n == nil || n.Kind != load.Map {
		return ""
	}
	if f := n.Field(name); f != nil {
		if s, ok := f.Value.Scalar.(string); ok {
			return s
		}
	}
	return ""
}

func recall(s *checkScore) string {
	if s.equivalent == nil {
		return fmt.Sprintf("— of %d", s.fire)
	}
	if s.fire == 0 {
		return "—"
	}
	return fmt.Sprintf("%d of %d (%d%%)", s.hits, s.fire, 100*s.hits/s.fire)
}

func orNone(codes []string) string {
	if codes == nil {
		return "(no equivalent yet)"
	}
	return strings.Join(codes, ", ")
}

const floorsFile = "testdata/parity-floors.txt"

// checkFloors fails when a check finds fewer objects than its floor;
// -update raises the floors to what kiln finds today, never lowers them.
func checkFloors(t *testing.T, list []*checkScore) {
	floors := map[string]int{}
	if b, err := os.ReadFile(floorsFile); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			check, n, _ := strings.Cut(line, " ")
			floors[check], _ = strconv.Atoi(n)
		}
	}
	var out bytes.Buffer
	out.WriteString("# The least number of objects each check's kiln equivalent must find in\n# the parity fixtures; go test ./compiler/lint -run Parity -update raises them.\n")
	for _, s := range list {
		if s.hits < floors[s.check] {
			t.Errorf("%s: kiln finds %d of the %d objects to fire, fewer than the %d it found before", s.check, s.hits, s.fire, floors[s.check])
		}
		if s.hits > floors[s.check] && !*update {
			t.Logf("%s: recall rose to %d of %d; run with -update to raise its floor", s.check, s.hits, s.fire)
		}
		fmt.Fprintf(&out, "%s %d\n", s.check, max(s.hits, floors[s.check]))
	}
	if *update {
		if err := os.WriteFile(floorsFile, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const parityDocFile = "../../docs/parity.md"

// parityDoc is docs/parity.md: the recall and false positives per check.
func parityDoc(list []*checkScore) []byte {
	var b bytes.Buffer
	b.WriteString(`# Parity with kube-linter and kubeconform

<!-- Generated by go test ./compiler/lint -run Parity -update; do not edit. -->

kiln lint runs over kube-linter's own check fixtures and kubeconform's
fixtures (copied, with their licences and commits, under
compiler/lint/testdata/), and one table in compiler/lint/parity_test.go
says, for each object, whether each check must fire on it. A check's
kiln equivalent is the rule (or, for kubeconform, the schema validation)
that stands for it; ` + "`rule@part`" + ` counts only the rule's findings whose
field or message holds the part, for a rule that covers more than the
check.

- **recall**: of the objects the check must fire on, how many kiln
  reports. The test keeps each check's count from falling
  (compiler/lint/testdata/parity-floors.txt); the goal is 95% for every
  check with an equivalent.
- **false positives**: objects named not to fire that kiln reports. The
  test fails on any.

kube-linter's fixtures are not all objects the API server accepts
(Deployments without a selector, containers without an image); kiln's
guardrails judge only the documents its schema validation accepts, which
holds recall down.

| check | kiln equivalent | recall | false positives |
| --- | --- | --- | --- |
`)
	tf, th, tq, tp, with, without := 0, 0, 0, 0, 0, 0
	for _, s := range list {
		eq := "—"
		switch {
		case s.check == "kubeconform":
		case s.equivalent != nil:
			tf, th, tq, tp = tf+s.fire, th+s.hits, tq+s.quiet, tp+len(s.falsePositives)
			with++
		default:
			without++
		}
		if s.equivalent != nil {
			eq = "`" + strings.Join(s.equivalent, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d of %d |\n", s.check, eq, recall(s), len(s.falsePositives), s.quiet)
	}
	fmt.Fprintf(&b, "\nkube-linter's %d checks with a kiln equivalent: %d of %d objects found, %d false positives among %d objects named not to fire; %d more checks have no equivalent yet.\n",
		with, th, tf, tp, tq, without)
	return b.Bytes()
}

// checkDoc compares docs/parity.md with what the fixtures give today, or
// rewrites it with -update.
func checkDoc(t *testing.T, want []byte) {
	if *update {
		if err := os.WriteFile(parityDocFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(parityDocFile)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("docs/parity.md is out of date: go test ./compiler/lint -run Parity -update")
	}
}
