// Package compile is the compile stage: it turns one checked app, with one
// environment's overrides already merged, into the Kubernetes objects a
// platform team would write by hand on its best day, and records for every
// field it sets which app field produced it.
//
// This is where kiln's knowledge lives: the one port flows into the
// containerPort, the Service, the probes and the NetworkPolicy; the SLA
// decides replicas, the PodDisruptionBudget and topology spread (see Tiers);
// the owner becomes labels and annotations on every object; secure defaults
// are on unless the app says otherwise.
package compile
