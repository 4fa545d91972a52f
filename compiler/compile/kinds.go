package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/diag"
)

// The producers of the kinds other than Deployment, and the defaults they
// write. A default is written out rather than left to the API server so
// that the guardrails, the diff of two builds and the reader see it.
const (
	defaultBackoffLimit      = 3
	defaultJobTTL            = 86400 // a day: long enough to read a failed run's logs
	defaultConcurrency       = batchv1.ForbidConcurrent
	defaultStartingDeadline  = 300
	defaultSuccessfulHistory = 3
	defaultFailedHistory     = 1
	defaultPodManagement     = appsv1.OrderedReadyPodManagement
)

// gets is what a workload kind comes with besides its pod template: the
// rows of docs/workloads.md's table, and what compileAs emits.
type gets struct {
	// replicated kinds run the number of replicas the SLA table and
	// scaling decide, with its autoscaler, disruption budget and spread.
	replicated bool
	// service is the kind's Service for an app with a port: "" for none,
	// else how it is reached (ClusterIP, or headless for a StatefulSet,
	// whose replicas are called by their own names).
	service string
	// slo is whether the SLA's burn-rate alerts apply: a kind that runs to
	// completion serves no requests (the schema refuses its sla).
	slo bool
}

// wpath is the app path of a field of spec.workload.
func wpath(field string) []string { return []string{"spec", "workload", field} }

// fixedReplicas sets spec.replicas of a replicated kind unless an
// autoscaler owns them.
func (c *compiler) fixedReplicas() *int32 {
	if c.maxRepl != c.minRepl {
		return nil
	}
	c.set(c.kind.Kind, "spec.replicas", c.replicaOrigin()...)
	return ptr(int32(c.minRepl))
}

// statefulSet runs the pods as a StatefulSet: replicas as a Deployment's,
// a stable name per replica through the headless Service (when the app
// has a port: without one there is nothing to call it on), and a disk per
// replica for each of spec.volumes.
func (c *compiler) statefulSet(meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object {
	w := c.app.Spec.Workload
	s := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind},
		ObjectMeta: meta,
		Spec: appsv1.StatefulSetSpec{
			Replicas: c.fixedReplicas(), Selector: c.selector(), Template: pod,
			PodManagementPolicy: appsv1.PodManagementPolicyType(or(w.PodManagementPolicy, string(defaultPodManagement))),
		},
	}
	c.set(c.kind.Kind, "spec.selector", "metadata", "name")
	c.set(c.kind.Kind, "spec.podManagementPolicy", wpath("podManagementPolicy")...)
	if c.serves() { // the app's Service, headless
		s.Spec.ServiceName = c.app.Metadata.Name
		c.set(c.kind.Kind, "spec.serviceName", wpath("kind")...)
	}
	s.Spec.VolumeClaimTemplates = c.volumeClaims(&s.Spec.Template.Spec)
	return s
}

// volumeClaims are the StatefulSet's volumeClaimTemplates, one per volume
// in name order, each mounted in the app's container at its mountPath.
// A volume whose name or path another mount of the container has would
// shadow it (the API server refuses the first, the second hides a file)
// and is an error at the volume.
func (c *compiler) volumeClaims(pod *corev1.PodSpec) []corev1.PersistentVolumeClaim {
	vols := c.app.Spec.Volumes
	ctr := &pod.Containers[0]
	var out []corev1.PersistentVolumeClaim
	for _, name := range slices.Sorted(maps.Keys(vols)) {
		v := vols[name]
		at := []string{"spec", "volumes", name}
		if c.mountClash(ctr.VolumeMounts, name, v.MountPath, at) {
			continue
		}
		claim := corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.PersistentVolumeAccessMode(v.AccessMode)},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceStorage: resource.MustParse(v.Size), // the schema checked the quantity
				}},
			},
		}
		field := "spec.volumeClaimTemplates[" + strconv.Itoa(len(out)) + "]" // after any left out
		c.set(c.kind.Kind, field, at...)
		c.set(c.kind.Kind, field+".metadata.name", at...)
		c.set(c.kind.Kind, field+".spec.accessModes", append(at, "accessMode")...)
		c.set(c.kind.Kind, field+".spec.resources.requests.storage", append(at, "size")...)
		if v.StorageClass != "" {
			claim.Spec.StorageClassName = ptr(v.StorageClass)
			c.set(c.kind.Kind, field+".spec.storageClassName", append(at, "storageClass")...)
		}
		out = append(out, claim)
		m := "containers[0].volumeMounts[" + strconv.Itoa(len(ctr.VolumeMounts)) + "]"
		c.setPod(m, at...)
		c.setPod(m+".mountPath", append(at, "mountPath")...)
		ctr.VolumeMounts = append(ctr.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: v.MountPath})
	}
	return out
}

func (c *compiler) mountClash(mounts []corev1.VolumeMount, name, path string, at []string) bool {
	for _, m := range mounts {
		switch {
		case m.Name == name:
			c.finding(diag.Error, "build/volume-name", fmt.Sprintf(
				"volume %s has the name of a volume kiln mounts itself (at %s); rename it", name, m.MountPath), at...)
			return true
		case m.MountPath == path:
			c.finding(diag.Error, "build/volume-mount", fmt.Sprintf(
				"volume %s is mounted at %s, where kiln mounts %s; mount it elsewhere", name, path, m.Name), append(at, "mountPath")...)
			return true
		}
	}
	return false
}

// daemonSet runs one pod per node: the scheduler, not the SLA, decides
// how many, so it has no replicas, autoscaler, disruption budget or
// spread.
func (c *compiler) daemonSet(meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object {
	c.set(c.kind.Kind, "spec.selector", "metadata", "name")
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind},
		ObjectMeta: meta,
		Spec:       appsv1.DaemonSetSpec{Selector: c.selector(), Template: pod},
	}
}

// job runs the pods to completion once. Its selector is the one the API
// server generates from the Job's uid: a selector of kiln's would need
// manualSelector and could match the pods of another run.
func (c *compiler) job(meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object {
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind},
		ObjectMeta: meta,
		Spec:       c.jobSpec("spec.", c.batchPod(pod), true),
	}
}

// cronJob runs the Job on spec.workload.schedule. The Jobs it creates
// carry the app's labels and annotations, so that they are found as its
// pods are.
func (c *compiler) cronJob(meta metav1.ObjectMeta, pod corev1.PodTemplateSpec) runtime.Object {
	w := c.app.Spec.Workload
	k := c.kind.Kind
	c.set(k, "spec.schedule", wpath("schedule")...)
	c.set(k, "spec.concurrencyPolicy", wpath("concurrencyPolicy")...)
	c.set(k, "spec.startingDeadlineSeconds", wpath("startingDeadlineSeconds")...)
	c.set(k, "spec.successfulJobsHistoryLimit", wpath("successfulJobsHistoryLimit")...)
	c.set(k, "spec.failedJobsHistoryLimit", wpath("failedJobsHistoryLimit")...)
	c.set(k, "spec.jobTemplate.metadata", "metadata")
	spec := batchv1.CronJobSpec{
		Schedule:                   w.Schedule,
		ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(or(w.ConcurrencyPolicy, string(defaultConcurrency))),
		StartingDeadlineSeconds:    ptr(orDefault(w.StartingDeadlineSeconds, defaultStartingDeadline)),
		SuccessfulJobsHistoryLimit: ptr(orDefault(w.SuccessfulJobsHistoryLimit, defaultSuccessfulHistory)),
		FailedJobsHistoryLimit:     ptr(orDefault(w.FailedJobsHistoryLimit, defaultFailedHistory)),
		JobTemplate: batchv1.JobTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: meta.Labels, Annotations: meta.Annotations},
			// A CronJob's history limits keep its Jobs: no TTL unless asked.
			Spec: c.jobSpec("spec.jobTemplate.spec.", c.batchPod(pod), false),
		},
	}
	if w.TimeZone != "" {
		spec.TimeZone = ptr(w.TimeZone)
		c.set(k, "spec.timeZone", wpath("timeZone")...)
	}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: c.kind.APIVersion, Kind: c.kind.Kind},
		ObjectMeta: meta,
		Spec:       spec,
	}
}

// jobSpec is the spec of the app's Job, its fields under prefix; ttl says
// whether a finished Job is deleted after a day by default.
func (c *compiler) jobSpec(prefix string, pod corev1.PodTemplateSpec, ttl bool) batchv1.JobSpec {
	w := c.app.Spec.Workload
	k := c.kind.Kind
	s := batchv1.JobSpec{Template: pod, BackoffLimit: ptr(orDefault(w.BackoffLimit, defaultBackoffLimit))}
	c.set(k, prefix+"backoffLimit", wpath("backoffLimit")...)
	if ttl || w.TTLSecondsAfterFinished != nil {
		s.TTLSecondsAfterFinished = ptr(orDefault(w.TTLSecondsAfterFinished, defaultJobTTL))
		c.set(k, prefix+"ttlSecondsAfterFinished", wpath("ttlSecondsAfterFinished")...)
	}
	s.ActiveDeadlineSeconds = w.ActiveDeadlineSeconds
	c.set(k, prefix+"activeDeadlineSeconds", wpath("activeDeadlineSeconds")...) // where its absence is reported
	s.Completions = w.Completions
	c.set(k, prefix+"completions", wpath("completions")...)
	s.Parallelism = w.Parallelism
	c.set(k, prefix+"parallelism", wpath("parallelism")...)
	return s
}

// batchPod is the pod template of a Job. restartPolicy Never: a failed
// run is a new pod, so the failed one stays with its logs and its exit
// status until the Job is deleted, and backoffLimit counts runs, with a
// growing delay between them (OnFailure restarts the container in place,
// where only the last run's logs are kept). A readiness probe would gate
// traffic that a Job never receives, and the API server ignores it; a
// liveness probe (from health.command) still stops a hung run.
func (c *compiler) batchPod(pod corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	c.setPod("restartPolicy", wpath("kind")...)
	pod.Spec.Containers[0].ReadinessProbe = nil
	c.setPod("containers[0].readinessProbe", wpath("kind")...)
	return pod
}

func orDefault[T int32 | int64](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// headless makes the Service of a StatefulSet headless (clusterIP: None):
// each replica is called by its own DNS name
// (<app>-0.<app>.<namespace>.svc), which the StatefulSet's serviceName
// asks of this Service, rather than through one virtual IP.
func (c *compiler) headless(s *corev1.Service) {
	s.Spec.ClusterIP = corev1.ClusterIPNone
	c.set("Service", "spec.clusterIP", wpath("kind")...)
}
