// Package e2e is kiln's end-to-end lane: it starts a real etcd and a real
// kube-apiserver on loopback and asks the server to dry-run every object
// kiln emits, strictly, and to judge a table of plain manifests that kiln lint
// must accept, refuse or warn of exactly as the server does; and it installs and upgrades an app with kiln's
// Helm chart through Helm's own action package. It is its own module so that kiln's go.mod needs
// none of the replace directives that building k8s.io/kubernetes takes.
// Run it with `make e2e`.
package e2e
