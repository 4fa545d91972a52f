// Command kube-apiserver is the Kubernetes API server, built from the
// k8s.io/kubernetes module at the release e2e/go.mod pins, for kiln's
// end-to-end tests. It is never part of kiln itself.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
