package team

import (
	"fmt"
	"math/big"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Quota keys, as a ResourceQuota's spec.hard names them.
const (
	RequestsCPU    = "requests.cpu"
	RequestsMemory = "requests.memory"
	LimitsCPU      = "limits.cpu"
	LimitsMemory   = "limits.memory"
	Pods           = "pods"
)

// keys are the quota keys in the order quotas and messages list them.
var keys = []string{RequestsCPU, RequestsMemory, LimitsCPU, LimitsMemory, Pods}

// Defaults are the LimitRange's container defaults: what a container
// that sets no request (CPU, Memory) or no memory limit (MemoryLimit) is
// given when it is admitted, before the quota counts it.
type Defaults struct {
	CPU, Memory, MemoryLimit resource.Quantity
}

// Usage is what some pods charge a ResourceQuota, by quota key, summed
// exactly. CPULimited says every container sets a CPU limit: the quota
// may then hold limits.cpu, which a pod without one could not be created
// under (the LimitRange sets no CPU limit: kiln does not throttle what an
// app did not ask to be throttled).
type Usage struct {
	Sum        map[string]resource.Quantity
	CPULimited bool
}

func newUsage() Usage { return Usage{Sum: map[string]resource.Quantity{}, CPULimited: true} }

// add adds u2 to u.
func (u *Usage) add(u2 Usage) {
	for k, q := range u2.Sum {
		s := u.Sum[k]
		s.Add(q)
		u.Sum[k] = s
	}
	u.CPULimited = u.CPULimited && u2.CPULimited
}

// Usage is what w charges at most: its pod's effective requests and
// limits times its pods.
func (w Workload) Usage(d Defaults) Usage {
	u := newUsage()
	pod, limited := podUsage(w.Containers, d)
	for k, q := range pod {
		q = q.DeepCopy()
		q.Mul(w.Pods)
		u.Sum[k] = q
	}
	u.Sum[Pods] = *resource.NewQuantity(w.Pods, resource.DecimalSI)
	u.CPULimited = limited
	return u
}

// podUsage is what one pod charges, as the API server computes it: the
// larger of the regular containers with the sidecars, and of each init
// container with the sidecars started before it.
func podUsage(cs []Container, d Defaults) (map[string]resource.Quantity, bool) {
	out := map[string]resource.Quantity{}
	limited := true
	for _, k := range []string{RequestsCPU, RequestsMemory, LimitsCPU, LimitsMemory} {
		var main, sidecars, initMax resource.Quantity
		for _, c := range cs {
			q, ok := effective(c, k, d)
			if k == LimitsCPU && !ok {
				limited = false
			}
			switch {
			case c.Init:
				with := sidecars.DeepCopy()
				with.Add(q)
				if with.Cmp(initMax) > 0 {
					initMax = with
				}
			case c.Sidecar:
				sidecars.Add(q)
			default:
				main.Add(q)
			}
		}
		main.Add(sidecars)
		if initMax.Cmp(main) > 0 {
			main = initMax
		}
		out[k] = main
	}
	return out, limited
}

// effective is container c's value of quota key k once admitted: a
// request defaults to the container's limit, else to the LimitRange's
// default; a memory limit to the LimitRange's. ok is false for a CPU
// limit the container does not set.
func effective(c Container, k string, d Defaults) (resource.Quantity, bool) {
	get := func(m map[string]string, name string) (resource.Quantity, bool) {
		s, ok := m[name]
		if !ok {
			return resource.Quantity{}, false
		}
		q, err := resource.ParseQuantity(s)
		return q, err == nil
	}
	switch k {
	case RequestsCPU, RequestsMemory:
		name, def := "cpu", d.CPU
		if k == RequestsMemory {
			name, def = "memory", d.Memory
		}
		if q, ok := get(c.Requests, name); ok {
			return q, true
		}
		if q, ok := get(c.Limits, name); ok {
			return q, true
		}
		return def.DeepCopy(), true
	case LimitsMemory:
		if q, ok := get(c.Limits, "memory"); ok {
			return q, true
		}
		return d.MemoryLimit.DeepCopy(), true
	case LimitsCPU:
		return get(c.Limits, "cpu")
	}
	return resource.Quantity{}, false
}

// Hard is the ResourceQuota's spec.hard for usage u with headroom percent
// added: CPU rounded up to the millicore, memory to the mebibyte, pods to
// the pod. limits.cpu is left out unless every pod sets a CPU limit.
func Hard(u Usage, headroom int) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for _, k := range keys {
		q, ok := u.Sum[k]
		if !ok || k == LimitsCPU && !u.CPULimited {
			continue
		}
		out[k] = grow(q, headroom, k)
	}
	return out
}

// grow returns q × (100+pct)/100, rounded up to key k's unit.
func grow(q resource.Quantity, pct int, k string) resource.Quantity {
	r := rat(q)
	r.Mul(r, big.NewRat(int64(100+pct), 100))
	switch k {
	case RequestsCPU, LimitsCPU:
		return *resource.NewMilliQuantity(ceil(r, 1000, 1), resource.DecimalSI)
	case RequestsMemory, LimitsMemory:
		return *resource.NewQuantity(ceil(r, 1, 1<<20)*(1<<20), resource.BinarySI)
	}
	return *resource.NewQuantity(ceil(r, 1, 1), resource.DecimalSI)
}

// rat is q exactly, as a fraction.
func rat(q resource.Quantity) *big.Rat {
	d := q.AsDec()
	scale := int64(d.Scale())
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(max(scale, -scale)), nil)
	r := new(big.Rat).SetInt(d.UnscaledBig())
	if scale >= 0 {
		return r.Quo(r, new(big.Rat).SetInt(pow))
	}
	return r.Mul(r, new(big.Rat).SetInt(pow))
}

// ceil is ⌈r × mul / div⌉.
func ceil(r *big.Rat, mul, div int64) int64 {
	x := new(big.Rat).Mul(r, big.NewRat(mul, div))
	n := new(big.Int).Quo(x.Num(), x.Denom())
	if new(big.Rat).SetInt(n).Cmp(x) < 0 {
		n.Add(n, big.NewInt(1))
	}
	return n.Int64()
}

// describe is a quantity as messages show it.
func describe(q resource.Quantity) string { return fmt.Sprint(q.String()) }
