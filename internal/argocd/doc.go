// Package argocd does what Argo CD does with a repository, for tests that
// hold kiln's GitOps setups to it: it runs a Config Management Plugin
// (plugin.yaml) the way the plugin sidecar's argocd-cmp-server runs it,
// and reads a directory source (an Application whose path holds plain
// manifests, such as kiln's committed rendered/ files) the way the repo
// server reads it.
//
// Argo CD's own packages cannot be imported here (they pin other
// Kubernetes libraries, and the plugin server speaks gRPC to a repo
// server), so each function follows the Argo CD source it names, from
// github.com/argoproj/argo-cd v3.5.1 (these parts are unchanged at
// master's 37ee0097cf85), and keeps what a plugin or a committed
// directory must satisfy there: the environment the commands see, their
// working directory (a fresh copy of the repository), how standard output
// becomes objects, what a failure shows.
// It is no Argo CD: nothing is synced, cached or served.
package argocd
