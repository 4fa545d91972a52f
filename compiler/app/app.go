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
}

type Spec struct {
	Image        string               `json:"image"`
	Build        *Build               `json:"build,omitempty"`
	Port         int                  `json:"port,omitempty"` // 0 when Protocol is none
	Protocol     string               `json:"protocol"`
	RunAs        RunAs                `json:"runAs"`
	Health       Health               `json:"health"`
	Resources    Resources            `json:"resources"`
	Scaling      *Scaling             `json:"scaling,omitempty"`
	SLA          *SLA                 `json:"sla,omitempty"`
	Env          map[string]string    `json:"env,omitempty"`
	Secrets      map[string]SecretRef `json:"secrets,omitempty"`
	Ingress      *Ingress             `json:"ingress,omitempty"`
	Environments map[string]Overrides `json:"environments,omitempty"`
	Patches      []Patch              `json:"patches,omitempty"`
	Waivers      []Waiver             `json:"waivers,omitempty"`
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
	Liveness  string   `json:"liveness"`
	Readiness string   `json:"readiness"`
	Command   []string `json:"command,omitempty"`
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
	Image     string               `json:"image,omitempty"`
	Resources *ResourceOverrides   `json:"resources,omitempty"`
	Scaling   *ScalingOverrides    `json:"scaling,omitempty"`
	Env       map[string]string    `json:"env,omitempty"`
	Secrets   map[string]SecretRef `json:"secrets,omitempty"`
	Ingress   *IngressOverrides    `json:"ingress,omitempty"`
	SLA       *SLAOverrides        `json:"sla,omitempty"`
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
