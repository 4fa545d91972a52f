package dockerfile_test

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// kubeletRefuses says why the kubelet would refuse to start container of
// pod from an image whose configured user (the Dockerfile's last USER) is
// imageUser, or "" when it starts it. It encodes verifyRunAsNonRoot
// (k8s.io/kubernetes v1.37, pkg/kubelet/kuberuntime/security_context_others.go):
//
//   - the effective security context is the container's fields over the
//     pod's (securitycontext.DetermineEffectiveSecurityContext);
//   - without runAsNonRoot, or with it false, anything starts;
//   - with runAsUser set, the container starts unless it is 0;
//   - otherwise the image's user decides (getImageUser, helpers.go: the
//     runtime's uid, else its user name, else root): a name is refused
//     ("image has non-numeric user ... cannot verify user is non-root"),
//     uid 0 is refused, and so is a uid outside 1..MaxInt32
//     (validation.IsValidUserID). The container runtime reports a uid when
//     the user part of USER, before any ':', is a number (containerd's CRI
//     image status).
func kubeletRefuses(pod *corev1.PodSpec, c *corev1.Container, imageUser string) string {
	nonRoot, runAsUser := (*bool)(nil), (*int64)(nil)
	if sc := pod.SecurityContext; sc != nil {
		nonRoot, runAsUser = sc.RunAsNonRoot, sc.RunAsUser
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
		if sc.RunAsUser != nil {
			runAsUser = sc.RunAsUser
		}
	}
	if nonRoot == nil || !*nonRoot {
		return ""
	}
	if runAsUser != nil {
		if *runAsUser == 0 {
			return "container's runAsUser breaks non-root policy"
		}
		return ""
	}
	user, _, _ := strings.Cut(imageUser, ":")
	if user == "" {
		return "container has runAsNonRoot and image will run as root"
	}
	uid, err := strconv.ParseInt(user, 10, 64)
	switch {
	case err != nil:
		return fmt.Sprintf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root", user)
	case uid == 0:
		return "container has runAsNonRoot and image will run as root"
	case uid < 0 || uid > math.MaxInt32:
		return fmt.Sprintf("container has runAsNonRoot and image has an invalid user id (%d)", uid)
	}
	return ""
}

// The kubelet's rule itself, so that the tests below do not pass through
// a rule that allows everything.
func TestKubeletRule(t *testing.T) {
	yes, uid := true, int64(1000)
	root := int64(0)
	pod := func(sc *corev1.PodSecurityContext) *corev1.PodSpec { return &corev1.PodSpec{SecurityContext: sc} }
	ctr := &corev1.Container{}
	for _, c := range []struct {
		pod       *corev1.PodSpec
		imageUser string
		refused   bool
	}{
		{pod(nil), "", false},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes}), "node", true},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes}), "nonroot:nonroot", true},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes}), "", true},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes}), "0:0", true},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes}), "65532:nonroot", false},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid}), "node", false},
		{pod(&corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &root}), "65532", true},
	} {
		if got := kubeletRefuses(c.pod, ctr, c.imageUser) != ""; got != c.refused {
			t.Errorf("%+v with USER %q: refused %v, want %v", c.pod.SecurityContext, c.imageUser, got, c.refused)
		}
	}
}

// TestKubeletStartsEveryApp applies the kubelet's rule to what kiln
// generates together: for every language (its skeleton project) and every
// example, each environment's Deployment with the image user BuildKit's
// frontend computes from the generated Dockerfile. An example without
// spec.build runs an image built elsewhere, whose user kiln cannot see:
// its pods must start whatever that user is, even a name.
func TestKubeletStartsEveryApp(t *testing.T) {
	paths, _ := filepath.Glob("testdata/skeleton/*/kiln.yaml")
	examples, _ := filepath.Glob("../../examples/*/kiln.*")
	if len(paths) != 5 || len(examples) < 5 {
		t.Fatalf("skeletons %v, examples %v", paths, examples)
	}
	v, err := validate.For("")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, examples...) {
		res := buildtest.Build(t, p, nil, build.Options{Validator: v, Emit: build.Artifacts{K8s: true, Dockerfile: true}}, nil)
		imageUser := "nonroot" // the worst an image built elsewhere may say
		if res.Dockerfile != nil {
			imageUser = frontend(t, res.Dockerfile).Image.Config.User
		}
		for _, env := range res.Envs {
			// The pod spec of the workload, whatever its kind.
			w, k, ok := compile.WorkloadIn(env.Objects)
			if !ok {
				t.Fatalf("%s: no workload", p)
			}
			raw, _ := fieldpath.Resolve(w.Content, fieldpath.Parse(k.PodPath()))
			m, _ := raw.(map[string]any)
			var pod corev1.PodSpec
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &pod); err != nil {
				t.Fatal(err)
			}
			for i := range pod.Containers {
				c := &pod.Containers[i]
				if why := kubeletRefuses(&pod, c, imageUser); why != "" {
					t.Errorf("%s, environment %s: the kubelet would not start container %s (image USER %q): %s",
						p, env.Name, c.Name, imageUser, why)
				}
			}
		}
	}
}
