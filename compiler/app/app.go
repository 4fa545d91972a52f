// Package app holds the typed form of a checked app definition: what the
// compile stage reads. Its fields mirror schemas/app.cue one to one (a test
// keeps them in step); every default has been applied before a value of
// these types exists.
package app

// App is a checked kiln.dev/v1alpha1 App.
type App struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

type Metadata struct {
	Name        string `json:"name"`
	Owner       string `json:"owner"`
	Contact     string `json:"contact,omitempty"`
	Description string `json:"description,omitempty"`
	System      string `json:"system,omitempty"`
	Lifecycle   string `json:"lifecycle"`
	Namespace   string `json:"namespace,omitempty"` // "" lets the deploy tool place the objects
}

type Spec struct {
	Workload         Workload                  `json:"workload"`
	Image            string                    `json:"image"`
	Build            *Build                    `json:"build,omitempty"`
	Port             int                       `json:"port,omitempty"` // 0 when Protocol is none
	Protocol         string                    `json:"protocol"`
	Ports            map[string]Port           `json:"ports,omitempty"`
	Volumes          map[string]Volume         `json:"volumes,omitempty"`
	RunAs            RunAs                     `json:"runAs"`
	Health           Health                    `json:"health"`
	Resources        Resources                 `json:"resources"`
	Scaling          *Scaling                  `json:"scaling,omitempty"`
	SLA              *SLA                      `json:"sla,omitempty"`
	Shutdown         *Shutdown                 `json:"shutdown,omitempty"`
	Sidecars         []Container               `json:"sidecars,omitempty"`
	InitContainers   []Container               `json:"initContainers,omitempty"`
	Files            map[string]File           `json:"files,omitempty"`
	ImagePullSecrets []string                  `json:"imagePullSecrets,omitempty"`
	ExternalSecrets  map[string]ExternalSecret `json:"externalSecrets,omitempty"`
	SOPSSecrets      []string                  `json:"sopsSecrets,omitempty"`
	DependsOn        []Dependency              `json:"dependsOn,omitempty"`
	Env              map[string]string         `json:"env,omitempty"`
	Secrets          map[string]SecretRef      `json:"secrets,omitempty"`
	Ingress          *Ingress                  `json:"ingress,omitempty"`
	Environments     map[string]Overrides      `json:"environments,omitempty"`
	Patches          []Patch                   `json:"patches,omitempty"`
	Waivers          []Waiver                  `json:"waivers,omitempty"`
}

// Workload kinds.
const (
	Deployment  = "Deployment"
	StatefulSet = "StatefulSet"
	DaemonSet   = "DaemonSet"
	Job         = "Job"
	CronJob     = "CronJob"
)

// Workload is the kind of object that runs the app's pods, with the
// settings of that kind; the schema refuses a setting of another kind.
type Workload struct {
	Kind                       string `json:"kind"`
	Schedule                   string `json:"schedule,omitempty"`
	TimeZone                   string `json:"timeZone,omitempty"`
	ConcurrencyPolicy          string `json:"concurrencyPolicy,omitempty"`
	StartingDeadlineSeconds    *int64 `json:"startingDeadlineSeconds,omitempty"`
	SuccessfulJobsHistoryLimit *int32 `json:"successfulJobsHistoryLimit,omitempty"`
	FailedJobsHistoryLimit     *int32 `json:"failedJobsHistoryLimit,omitempty"`
	ActiveDeadlineSeconds      *int64 `json:"activeDeadlineSeconds,omitempty"`
	BackoffLimit               *int32 `json:"backoffLimit,omitempty"`
	Completions                *int32 `json:"completions,omitempty"`
	Parallelism                *int32 `json:"parallelism,omitempty"`
	TTLSecondsAfterFinished    *int32 `json:"ttlSecondsAfterFinished,omitempty"`
	PodManagementPolicy        string `json:"podManagementPolicy,omitempty"`
}

// Batch reports whether the workload runs to completion (a Job or a
// CronJob): it serves no traffic, so it has no Service, no autoscaler and
// no disruption budget.
func (w Workload) Batch() bool { return w.Kind == Job || w.Kind == CronJob }

// Replicated reports whether the workload runs a number of replicas the
// SLA and scaling decide (a Deployment or a StatefulSet).
func (w Workload) Replicated() bool { return w.Kind == Deployment || w.Kind == StatefulSet }

type WorkloadOverrides struct {
	Schedule                string `json:"schedule,omitempty"`
	TimeZone                string `json:"timeZone,omitempty"`
	ConcurrencyPolicy       string `json:"concurrencyPolicy,omitempty"`
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`
	ActiveDeadlineSeconds   *int64 `json:"activeDeadlineSeconds,omitempty"`
	BackoffLimit            *int32 `json:"backoffLimit,omitempty"`
	Parallelism             *int32 `json:"parallelism,omitempty"`
}

// Port is one of the app's (or a sidecar's) named ports.
type Port struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"` // TCP or UDP
}

// Volume is a per-replica persistent disk of a StatefulSet.
type Volume struct {
	MountPath    string `json:"mountPath"`
	Size         string `json:"size"`
	StorageClass string `json:"storageClass,omitempty"`
	AccessMode   string `json:"accessMode"`
}

type VolumeOverrides struct {
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
}

// Shutdown says how the app stops.
type Shutdown struct {
	DrainSeconds       *int64 `json:"drainSeconds,omitempty"`
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds,omitempty"`
}

// Container is a sidecar or an init container.
type Container struct {
	Name      string               `json:"name"`
	Image     string               `json:"image"`
	Command   []string             `json:"command,omitempty"`
	Args      []string             `json:"args,omitempty"`
	Resources Resources            `json:"resources"`
	Env       map[string]string    `json:"env,omitempty"`
	Secrets   map[string]SecretRef `json:"secrets,omitempty"`
	Ports     map[string]Port      `json:"ports,omitempty"`
}

// File is a configuration file mounted into the app's container: from a
// file of the repository, or its content written inline.
type File struct {
	From    string  `json:"from,omitempty"`
	Content *string `json:"content,omitempty"` // nil when From is set; may be ""
}

// ExternalSecret is a Secret the External Secrets Operator fills from a
// secret manager.
type ExternalSecret struct {
	Store           string               `json:"store"`
	StoreKind       string               `json:"storeKind"`
	RefreshInterval string               `json:"refreshInterval"`
	Data            map[string]RemoteRef `json:"data"`
}

type RemoteRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
	Version  string `json:"version,omitempty"`
}

// Dependency is an app of the repository this app calls.
type Dependency struct {
	App  string `json:"app"`
	Port string `json:"port,omitempty"` // a port name; "" is the callee's primary port
	Env  string `json:"env,omitempty"`  // "" is <APP>_URL
}

type Build struct {
	Language string `json:"language"`
	Version  string `json:"version"`
	Main     string `json:"main"`
}

// RunAs is the numeric identity the app's containers run as.
type RunAs struct {
	User    int64 `json:"user"`
	Group   int64 `json:"group"`
	FSGroup int64 `json:"fsGroup"`
}

type Health struct {
	Liveness         string   `json:"liveness"`
	Readiness        string   `json:"readiness"`
	Command          []string `json:"command,omitempty"`
	StartupSeconds   int32    `json:"startupSeconds,omitempty"`
	PeriodSeconds    int32    `json:"periodSeconds,omitempty"`
	TimeoutSeconds   int32    `json:"timeoutSeconds,omitempty"`
	FailureThreshold int32    `json:"failureThreshold,omitempty"`
}

type Resources struct {
	CPU         string `json:"cpu"`
	Memory      string `json:"memory"`
	MemoryLimit string `json:"memoryLimit,omitempty"`
	CPULimit    string `json:"cpuLimit,omitempty"`
}

type Scaling struct {
	Min       *int `json:"min,omitempty"`
	Max       *int `json:"max,omitempty"`
	CPUTarget int  `json:"cpuTarget"`
}

type SLA struct {
	Availability float64     `json:"availability"`
	Latency      *Latency    `json:"latency,omitempty"`
	Window       string      `json:"window"`
	Metrics      *SLIMetrics `json:"metrics,omitempty"`
	Monitoring   Monitoring  `json:"monitoring"`
}

type Monitoring struct {
	Labels map[string]string `json:"labels"`
	Path   string            `json:"path"`
}

type SLIMetrics struct {
	Total         string `json:"total,omitempty"`
	Errors        string `json:"errors,omitempty"`
	LatencyBucket string `json:"latencyBucket,omitempty"`
}

type Latency struct {
	P50 string `json:"p50,omitempty"`
	P90 string `json:"p90,omitempty"`
	P95 string `json:"p95,omitempty"`
	P99 string `json:"p99,omitempty"`
}

type SecretRef struct {
	Secret string `json:"secret"`
	Key    string `json:"key"`
}

type Ingress struct {
	Host        string            `json:"host"`
	Path        string            `json:"path"`
	TLS         *TLS              `json:"tls,omitempty"`
	ClassName   string            `json:"className,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type TLS struct {
	SecretName string `json:"secretName"`
}

// Overrides are the fields an environment may replace. A nil or empty field
// keeps the base value.
type Overrides struct {
	Namespace        string                     `json:"namespace,omitempty"`
	Workload         *WorkloadOverrides         `json:"workload,omitempty"`
	Image            string                     `json:"image,omitempty"`
	Resources        *ResourceOverrides         `json:"resources,omitempty"`
	Scaling          *ScalingOverrides          `json:"scaling,omitempty"`
	Env              map[string]string          `json:"env,omitempty"`
	Secrets          map[string]SecretRef       `json:"secrets,omitempty"`
	Ingress          *IngressOverrides          `json:"ingress,omitempty"`
	Volumes          map[string]VolumeOverrides `json:"volumes,omitempty"`
	Sidecars         []Container                `json:"sidecars,omitempty"`
	InitContainers   []Container                `json:"initContainers,omitempty"`
	Files            map[string]File            `json:"files,omitempty"`
	ImagePullSecrets []string                   `json:"imagePullSecrets,omitempty"`
	ExternalSecrets  map[string]ExternalSecret  `json:"externalSecrets,omitempty"`
	SLA              *SLAOverrides              `json:"sla,omitempty"`
	KubeVersion      string                     `json:"kubeVersion,omitempty"`
}

type SLAOverrides struct {
	Availability *float64             `json:"availability,omitempty"`
	Latency      *Latency             `json:"latency,omitempty"`
	Window       string               `json:"window,omitempty"`
	Metrics      *SLIMetrics          `json:"metrics,omitempty"`
	Monitoring   *MonitoringOverrides `json:"monitoring,omitempty"`
}

type MonitoringOverrides struct {
	Labels map[string]string `json:"labels,omitempty"`
	Path   string            `json:"path,omitempty"`
}

type ResourceOverrides struct {
	CPU         string `json:"cpu,omitempty"`
	Memory      string `json:"memory,omitempty"`
	MemoryLimit string `json:"memoryLimit,omitempty"`
	CPULimit    string `json:"cpuLimit,omitempty"`
}

type ScalingOverrides struct {
	Min       *int `json:"min,omitempty"`
	Max       *int `json:"max,omitempty"`
	CPUTarget *int `json:"cpuTarget,omitempty"`
}

type IngressOverrides struct {
	Host        string            `json:"host,omitempty"`
	Path        string            `json:"path,omitempty"`
	TLS         *TLS              `json:"tls,omitempty"`
	ClassName   string            `json:"className,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// A Waiver exempts the app from one guardrail until a date.
type Waiver struct {
	Rule         string   `json:"rule"`
	Reason       string   `json:"reason"`
	Expires      string   `json:"expires"`
	Environments []string `json:"environments,omitempty"`
}

type Patch struct {
	Target PatchTarget `json:"target"`
	Patch  string      `json:"patch"`
}

type PatchTarget struct {
	Kind    string `json:"kind,omitempty"`
	Name    string `json:"name,omitempty"`
	Group   string `json:"group,omitempty"`
	Version string `json:"version,omitempty"`

	LabelSelector      string `json:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
}
