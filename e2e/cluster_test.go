package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/schemas/kube"
)

// cluster is a running etcd and kube-apiserver on loopback.
type cluster struct {
	base   string // https://127.0.0.1:PORT
	token  string
	client *http.Client

	mu         sync.Mutex
	namespaces map[string]bool // created by ensureNamespace
}

var theCluster *cluster

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts the servers, runs the tests and stops the servers and removes
// their files whatever happens.
func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kiln-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	etcd, etcdURL, err := startEtcd(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: etcd:", err)
		return 1
	}
	defer etcd.Close()
	c, stop, err := startAPIServer(dir, etcdURL)
	if stop != nil {
		defer stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: kube-apiserver:", err)
		return 1
	}
	if err := c.prepare(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	theCluster = c
	return m.Run()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startEtcd starts a single-member etcd in dir, listening on loopback only.
func startEtcd(dir string) (*embed.Etcd, string, error) {
	cfg := embed.NewConfig()
	cfg.Dir = filepath.Join(dir, "etcd")
	cfg.LogLevel = "error"
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	cu, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(clientPort))
	pu, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(peerPort))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", fmt.Errorf("etcd did not become ready within 60s")
	}
	return e, cu.String(), nil
}

// buildAPIServer builds ./cmd/kube-apiserver into dir; the Go build cache
// makes every build after the first a link.
func buildAPIServer(dir string) (string, error) {
	bin := filepath.Join(dir, "kube-apiserver")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kube-apiserver")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building kube-apiserver: %v", err)
	}
	return bin, nil
}

func writeKeyPair(dir string) (priv, pub string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	priv, pub = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return "", "", err
	}
	return priv, pub, os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
}

// startAPIServer runs kube-apiserver on a free loopback port against etcd
// and waits for /readyz. stop kills it.
func startAPIServer(dir, etcdURL string) (*cluster, func(), error) {
	bin, err := buildAPIServer(dir)
	if err != nil {
		return nil, nil, err
	}
	priv, pub, err := writeKeyPair(dir)
	if err != nil {
		return nil, nil, err
	}
	token := "kiln-e2e-token"
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		return nil, nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(port),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--endpoint-reconciler-type=none",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+pub, "--service-account-signing-key-file="+priv,
		"--token-auth-file="+tokens,
		"--authorization-mode=AlwaysAllow",
		"--allow-privileged=true",
		"--service-cluster-ip-range=10.96.0.0/16",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
	}
	c := &cluster{
		base:  "https://127.0.0.1:" + strconv.Itoa(port),
		token: token,
		// The server's certificate is self-signed, made for this run, and
		// the server is on loopback: verifying it would prove nothing.
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		status, _, err := c.do("GET", "/readyz", nil)
		if err == nil && status == http.StatusOK {
			return c, stop, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			return nil, stop, fmt.Errorf("not ready after 120s (last: %d %v); log tail:\n%s", status, err, tail(string(log), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (c *cluster) do(method, path string, body []byte) (int, []byte, error) {
	status, b, _, err := c.doWarned(method, path, body)
	return status, b, err
}

// doWarned is do that also returns the warnings the server sent (the
// Warning headers' texts).
func (c *cluster) doWarned(method, path string, body []byte) (int, []byte, []string, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Values("Warning"), err
}

// prepare makes sure the default namespace exists and installs the CRDs of
// the custom resources kiln emits.
func (c *cluster) prepare() error {
	if status, _, _ := c.do("GET", "/api/v1/namespaces/default", nil); status == http.StatusNotFound {
		if _, err := c.create(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "default"}}, false); err != nil {
			return err
		}
	}
	// The CRDs kiln validates custom resources against are the ones the
	// server gets, from the same module releases.
	for _, def := range kube.CRDs {
		dir, err := kube.ModuleDir(def.Module)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(def.Path)))
		if err != nil {
			return err
		}
		var crd map[string]any
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			return err
		}
		if _, err := c.create(crd, false); err != nil {
			return fmt.Errorf("installing %s: %v", def.Path, err)
		}
		name := crd["metadata"].(map[string]any)["name"].(string)
		if err := c.waitEstablished(name); err != nil {
			return err
		}
	}
	return nil
}

// waitEstablished waits until the server serves the CRD called name.
func (c *cluster) waitEstablished(name string) error {
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		_, body, err := c.do("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+name, nil)
		var crd struct {
			Status struct {
				Conditions []struct{ Type, Status string }
			}
		}
		if err == nil && json.Unmarshal(body, &crd) == nil {
			for _, cond := range crd.Status.Conditions {
				if cond.Type == "Established" && cond.Status == "True" {
					return nil
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("CRD %s was not established within 60s", name)
		}
	}
}

// resources maps apiVersion/kind to the resource path kiln's kinds use.
var resources = map[string]string{
	"v1/Namespace": "/api/v1/namespaces",
	"apiextensions.k8s.io/v1/CustomResourceDefinition": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
	"v1/ServiceAccount":                       "/api/v1/namespaces/default/serviceaccounts",
	"v1/Pod":                                  "/api/v1/namespaces/default/pods",
	"v1/ReplicationController":                "/api/v1/namespaces/default/replicationcontrollers",
	"v1/ConfigMap":                            "/api/v1/namespaces/default/configmaps",
	"apps/v1/ReplicaSet":                      "/apis/apps/v1/namespaces/default/replicasets",
	"apps/v1/DaemonSet":                       "/apis/apps/v1/namespaces/default/daemonsets",
	"apps/v1/StatefulSet":                     "/apis/apps/v1/namespaces/default/statefulsets",
	"batch/v1/Job":                            "/apis/batch/v1/namespaces/default/jobs",
	"batch/v1/CronJob":                        "/apis/batch/v1/namespaces/default/cronjobs",
	"v1/Service":                              "/api/v1/namespaces/default/services",
	"apps/v1/Deployment":                      "/apis/apps/v1/namespaces/default/deployments",
	"policy/v1/PodDisruptionBudget":           "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
	"autoscaling/v2/HorizontalPodAutoscaler":  "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
	"networking.k8s.io/v1/NetworkPolicy":      "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
	"networking.k8s.io/v1/Ingress":            "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
	"monitoring.coreos.com/v1/PrometheusRule": "/apis/monitoring.coreos.com/v1/namespaces/default/prometheusrules",
	"monitoring.coreos.com/v1/ServiceMonitor": "/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors",
	"external-secrets.io/v1/ExternalSecret":   "/apis/external-secrets.io/v1/namespaces/default/externalsecrets",

	// The alerts output's routing.
	"monitoring.coreos.com/v1alpha1/AlertmanagerConfig": "/apis/monitoring.coreos.com/v1alpha1/namespaces/default/alertmanagerconfigs",
	// The grafana-operator's dashboards (the dashboard output).
	"grafana.integreatly.org/v1beta1/GrafanaDashboard": "/apis/grafana.integreatly.org/v1beta1/namespaces/default/grafanadashboards",
	// The namespaces output's objects.
	"v1/ResourceQuota": "/api/v1/namespaces/default/resourcequotas",
	"v1/LimitRange":    "/api/v1/namespaces/default/limitranges",
	"rbac.authorization.k8s.io/v1/RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
}

// pathOf is where obj is created: in the namespace it names, which is
// created first (for real: a dry run cannot create in a namespace that
// does not exist), or in default.
func (c *cluster) pathOf(obj map[string]any) (string, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	path, ok := resources[apiVersion+"/"+kind]
	if !ok {
		return "", fmt.Errorf("the e2e lane does not know where %s/%s goes", apiVersion, kind)
	}
	md, _ := obj["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	if ns == "" || kind == "Namespace" {
		return path, nil
	}
	if err := c.ensureNamespace(ns); err != nil {
		return "", err
	}
	return strings.Replace(path, "/namespaces/default/", "/namespaces/"+ns+"/", 1), nil
}

// ensureNamespace creates namespace ns once.
func (c *cluster) ensureNamespace(ns string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.namespaces[ns] {
		return nil
	}
	body, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}})
	status, _, err := c.createWarned(resources["v1/Namespace"], body)
	if err != nil && status != http.StatusConflict {
		return fmt.Errorf("creating namespace %s: %w", ns, err)
	}
	if c.namespaces == nil {
		c.namespaces = map[string]bool{}
	}
	c.namespaces[ns] = true
	return nil
}

// create POSTs obj; with dryRun, strictly and without storing it, as
// kubectl apply --dry-run=server --validate=strict would. A refusal is
// returned as an error carrying the server's message.
func (c *cluster) create(obj map[string]any, dryRun bool) (int, error) {
	path, err := c.pathOf(obj)
	if err != nil {
		return 0, err
	}
	if dryRun {
		path += "?dryRun=All&fieldValidation=Strict"
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return 0, err
	}
	status, _, err := c.createWarned(path, body)
	return status, err
}

// dryRunWarned asks the server to create obj strictly without storing
// it, and returns its refusal and its warnings.
func (c *cluster) dryRunWarned(obj map[string]any) ([]string, error) {
	path, err := c.pathOf(obj)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	_, warnings, err := c.createWarned(path+"?dryRun=All&fieldValidation=Strict", body)
	return warnings, err
}

func (c *cluster) createWarned(path string, body []byte) (int, []string, error) {
	status, resp, warnings, err := c.doWarned("POST", path, body)
	if err != nil {
		return 0, nil, err
	}
	if status >= 300 {
		var st struct{ Message string }
		json.Unmarshal(resp, &st)
		return status, warnings, fmt.Errorf("%d: %s", status, strings.TrimSpace(st.Message))
	}
	return status, warnings, nil
}
