package compile

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kilnhq/kiln/compiler/diag"
)

// startupPeriod is how often the startup probe checks, in seconds: often,
// as the app takes no traffic until it passes, yet not so often that a
// slow start costs much.
const startupPeriod = 5

// probe checks the app with health.command when it is set, else on its
// primary port, the way its protocol allows. An app without a port and
// without a command has no probe: kiln knows of no check that would tell.
func (c *compiler) probe(kind, path string) *corev1.Probe {
	field := "containers[0]." + kind + "Probe"
	h, ok := c.check(field, kind, path)
	if !ok {
		return nil
	}
	p := &corev1.Probe{ProbeHandler: h}
	c.timings(p, field, true)
	return p
}

// check is the handler of a probe at field: health.command, or a check of
// the primary port, whose HTTP path is path (the app field health.<kind>).
func (c *compiler) check(field, kind, path string) (corev1.ProbeHandler, bool) {
	s := c.app.Spec
	var h corev1.ProbeHandler
	switch {
	case len(s.Health.Command) > 0:
		h.Exec = &corev1.ExecAction{Command: s.Health.Command}
		c.setPod(field, "spec", "health", "command")
		return h, true
	case !c.listens():
		c.setPod(field, "spec", "protocol") // why there is none
		return h, false
	}
	switch s.Protocol {
	case "grpc":
		h.GRPC = &corev1.GRPCAction{Port: int32(s.Port)}
		c.setPod(field+".grpc.port", "spec", "port")
	case "tcp":
		h.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(s.Port))}
		c.setPod(field+".tcpSocket.port", "spec", "port")
	default:
		h.HTTPGet = &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(int32(s.Port))}
		c.setPod(field+".httpGet.port", "spec", "port")
		c.setPod(field+".httpGet.path", "spec", "health", kind)
	}
	c.setPod(field, "spec", "protocol")
	return h, true
}

// timings sets health's probe timings on p, those that are set only: the
// API server's defaults are health's (10s, 1s, 3), so an app that sets
// none keeps the probes it always had. The startup probe (all false) takes
// the timeout only, as its period and threshold are startupSeconds'.
func (c *compiler) timings(p *corev1.Probe, field string, all bool) {
	h := c.app.Spec.Health
	if h.TimeoutSeconds > 0 {
		p.TimeoutSeconds = h.TimeoutSeconds
		c.setPod(field+".timeoutSeconds", "spec", "health", "timeoutSeconds")
	}
	if !all {
		return
	}
	if h.PeriodSeconds > 0 {
		p.PeriodSeconds = h.PeriodSeconds
		c.setPod(field+".periodSeconds", "spec", "health", "periodSeconds")
	}
	if h.FailureThreshold > 0 {
		p.FailureThreshold = h.FailureThreshold
		c.setPod(field+".failureThreshold", "spec", "health", "failureThreshold")
	}
}

// startupProbe holds the other probes back while the app starts, for up to
// health.startupSeconds: it runs the liveness check every startupPeriod
// seconds, and the kubelet restarts the app only after failureThreshold
// checks in a row fail. The first check runs as the container starts, so
// the last of them runs (threshold-1)*period seconds later: a threshold of
// ceil(startupSeconds/period)+1 makes that at least startupSeconds, and
// period*threshold, the bound the Kubernetes documentation states, exceeds
// it by one period.
func (c *compiler) startupProbe() *corev1.Probe {
	secs := c.app.Spec.Health.StartupSeconds
	if secs == 0 {
		return nil
	}
	const field = "containers[0].startupProbe"
	h, ok := c.check(field, "liveness", c.app.Spec.Health.Liveness)
	if !ok {
		c.finding(diag.Error, "build/startup-probe",
			"startupSeconds has no check to wait for: an app with protocol none is checked only through health.command; set health.command, or remove startupSeconds",
			"spec", "health", "startupSeconds")
		return nil
	}
	p := &corev1.Probe{ProbeHandler: h, PeriodSeconds: startupPeriod, FailureThreshold: (secs+startupPeriod-1)/startupPeriod + 1}
	c.setPod(field+".periodSeconds", "spec", "health", "startupSeconds")
	c.setPod(field+".failureThreshold", "spec", "health", "startupSeconds")
	c.timings(p, field, false)
	return p
}

// lifecycle keeps the app serving for shutdown.drainSeconds after it is
// told to stop, while the endpoints and load balancers drop it. It is the
// kubelet's own sleep action, not an exec of sleep: distroless and
// scratch images have no sleep binary.
func (c *compiler) lifecycle() *corev1.Lifecycle {
	sh := c.app.Spec.Shutdown
	if sh == nil || sh.DrainSeconds == nil {
		return nil
	}
	c.setPod("containers[0].lifecycle.preStop.sleep.seconds", "spec", "shutdown", "drainSeconds")
	return &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: *sh.DrainSeconds}}}
}

// gracePeriod is shutdown.gracePeriodSeconds. Without it the API server's
// default, 30 seconds, holds; the schema makes sure that it exceeds
// drainSeconds.
func (c *compiler) gracePeriod() *int64 {
	sh := c.app.Spec.Shutdown
	if sh == nil || sh.GracePeriodSeconds == nil {
		return nil
	}
	c.setPod("terminationGracePeriodSeconds", "spec", "shutdown", "gracePeriodSeconds")
	return ptr(*sh.GracePeriodSeconds)
}
