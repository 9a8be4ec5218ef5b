// The Go peer of `npm run bench:http`: a mutating webhook written the way most are, on
// controller-runtime's webhook package. It decodes the pod with the admission decoder,
// applies the same mutation openclaw-injector makes for the benchmark's review (read at
// start from -mutation, which the benchmark writes from openclaw-injector's own result:
// the init container at the place the engine put it, the gateway's extra env, the
// annotations), marshals the pod
// and answers with admission.PatchResponseFromRaw, controller-runtime's usual patch helper.
// The benchmark checks that its patch turns the pod into the same pod as ours.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// mutation is what openclaw-injector adds to the benchmark's pod.
type mutation struct {
	InitContainer corev1.Container  `json:"initContainer"`
	InitIndex     int               `json:"initIndex"`
	Gateway       string            `json:"gateway"`
	GatewayEnv    []corev1.EnvVar   `json:"gatewayEnv"`
	Annotations   map[string]string `json:"annotations"`
}

type mutator struct {
	decoder  admission.Decoder
	mutation mutation
}

func (m *mutator) Handle(_ context.Context, req admission.Request) admission.Response {
	pod := &corev1.Pod{}
	if err := m.decoder.Decode(req, pod); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	init := *m.mutation.InitContainer.DeepCopy()
	at := min(max(m.mutation.InitIndex, 0), len(pod.Spec.InitContainers))
	inits := make([]corev1.Container, 0, len(pod.Spec.InitContainers)+1)
	inits = append(inits, pod.Spec.InitContainers[:at]...)
	inits = append(inits, init)
	pod.Spec.InitContainers = append(inits, pod.Spec.InitContainers[at:]...)
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == m.mutation.Gateway {
			for _, env := range m.mutation.GatewayEnv {
				pod.Spec.Containers[i].Env = append(pod.Spec.Containers[i].Env, *env.DeepCopy())
			}
		}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for k, v := range m.mutation.Annotations {
		pod.Annotations[k] = v
	}
	marshaled, err := json.Marshal(pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return admission.PatchResponseFromRaw(req.Object.Raw, marshaled)
}

func main() {
	host := flag.String("host", "127.0.0.1", "listen address")
	port := flag.Int("port", 9443, "listen port")
	certDir := flag.String("cert-dir", "", "directory holding tls.crt and tls.key")
	mutationFile := flag.String("mutation", "", "JSON file with the mutation to apply")
	flag.Parse()

	raw, err := os.ReadFile(*mutationFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-peer: %v\n", err)
		os.Exit(2)
	}
	var m mutation
	if err := json.Unmarshal(raw, &m); err != nil {
		fmt.Fprintf(os.Stderr, "go-peer: %s: %v\n", *mutationFile, err)
		os.Exit(2)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		fmt.Fprintf(os.Stderr, "go-peer: %v\n", err)
		os.Exit(2)
	}

	server := webhook.NewServer(webhook.Options{Host: *host, Port: *port, CertDir: *certDir, CertName: "tls.crt", KeyName: "tls.key"})
	server.Register("/mutate", &webhook.Admission{Handler: &mutator{decoder: admission.NewDecoder(scheme), mutation: m}})

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// Ready once the port accepts; the benchmark polls it.
	if err := server.Start(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "go-peer: %v\n", err)
		os.Exit(1)
	}
}
