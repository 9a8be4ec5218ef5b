// Command coredns is CoreDNS v1.14.6 with only the plugins that kubeadm's default Corefile
// uses (errors, health, ready, kubernetes, prometheus, forward, cache, loop, reload,
// loadbalance), plus log and whoami for debugging. The stock binary links every plugin and
// every cloud SDK they pull in (52 MB, about 400 s of CPU to build); this one links the ten
// the kind node runs. Plugins register themselves in their packages' init functions, so the
// blank imports below are the whole plugin list; the Corefile's order of execution still
// comes from CoreDNS's own directive table.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/whoami"
)

func main() {
	coremain.Run()
}
