package helm

// podValues adds to v the values of the pod's further fields, each only
// when the app has it, so that the values of an app without them stay as
// they were: the app container's ports beyond the primary one, its
// startup probe and preStop drain, the grace period, pull secrets, init
// containers (native sidecars among them) and sidecars beside the app's
// container, and the Service ports beyond the primary one. get reads a
// field of an object of a kind; w is the workload's kind, pod the path of
// its pod spec.
func podValues(v map[string]any, get func(kind, path string) any, w, pod string) {
	ctr := pod + "containers[0]."
	ports, _ := get(w, ctr+"ports").([]any)
	svc, _ := get("Service", "spec.ports").([]any)
	if v["containerPort"] != nil { // the primary port is the first
		ports, svc = rest(ports), rest(svc)
	}
	containers, _ := get(w, pod+"containers").([]any)
	for k, val := range map[string]any{
		"extraPorts":                    ports,
		"extraServicePorts":             svc,
		"startupProbe":                  get(w, ctr+"startupProbe"),
		"lifecycle":                     get(w, ctr+"lifecycle"),
		"terminationGracePeriodSeconds": get(w, pod+"terminationGracePeriodSeconds"),
		"imagePullSecrets":              get(w, pod+"imagePullSecrets"),
		"initContainers":                get(w, pod+"initContainers"),
		"sidecars":                      rest(containers),
		"networkPolicyIngress":          openIngress(get, v["containerPort"]),
	} {
		if l, isList := val.([]any); val != nil && (!isList || len(l) > 0) {
			v[k] = val
		}
	}
}

func rest(l []any) []any {
	if len(l) == 0 {
		return nil
	}
	return l[1:]
}

// openIngress is the NetworkPolicy's ingress rules when they are more
// than the chart's default, one rule that opens containerPort: a metrics
// port beside it, or a port without a primary one.
func openIngress(get func(kind, path string) any, containerPort any) any {
	rules, _ := get("NetworkPolicy", "spec.ingress").([]any)
	ports, _ := get("NetworkPolicy", "spec.ingress[0].ports").([]any)
	if len(rules) == 0 || (len(rules) == 1 && len(ports) == 1 && containerPort != nil) {
		return nil
	}
	return rules
}
