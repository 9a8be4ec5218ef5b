// Command kubeadm is the cluster bootstrapper of k8s.io/kubernetes v1.37.2 (cmd/kubeadm/kubeadm.go).
package main

import (
	"k8s.io/kubernetes/cmd/kubeadm/app"
	kubeadmerrors "k8s.io/kubernetes/cmd/kubeadm/app/util/errors"
)

func main() {
	kubeadmerrors.HandleError(app.Run())
}
