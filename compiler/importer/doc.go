// Package importer turns existing Kubernetes manifests (a multi-document
// stream, helm template output, a kustomize build) or a Score workload
// file into kiln app definitions, one per app it recognises, and proves
// that nothing was lost.
//
// A platform adopting kiln has its services written already; nobody
// rewrites hundreds of them by hand, and nobody trusts a conversion that
// cannot show what it changed. So import works in three steps:
//
//  1. Read the objects with their positions and group them per app: a
//     workload and the Service, Ingress, HorizontalPodAutoscaler,
//     PodDisruptionBudget, ServiceAccount and NetworkPolicy that select it
//     or that it names (group.go).
//  2. Say in the app model what the model can say: image, ports, probes,
//     resources, replicas, env and secret references, sidecars, the
//     workload kind's own settings, the Ingress (model.go). Every guess is
//     a YAML comment beside the value.
//  3. Build the definition the way kiln build does, compare the objects
//     with the input through compiler/objdiff (defaults.go says which
//     values the API server would add and are ignored), and carry every
//     field that is still lost or changed as a JSON 6902 patch in
//     spec.patches, reported at its line in the source (gap.go). A second
//     build and comparison proves the result: what differs then is listed,
//     and fails kiln import --check.
//
// Secret values are never imported: a Secret in the input is a warning at
// its line, and the app refers to it by name.
package importer
