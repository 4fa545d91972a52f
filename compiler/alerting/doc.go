// Package alerting turns an app's metadata.contact into the routing of its
// alerts, per environment: an AlertmanagerConfig (prometheus-operator's
// monitoring.coreos.com/v1alpha1 custom resource) for an Alertmanager the
// operator runs, and the same route as a plain Alertmanager configuration
// snippet for one configured by hand. Both match the labels every alert of
// kiln's SLO rules carries (kiln_app, kiln_env, see compiler/slo), so that
// the team that owns an app hears of its alerts where it said it can be
// reached, and staging's alerts go apart from prod's.
//
// A contact is a Slack channel (#payments-oncall) or an e-mail address.
// Nothing secret is written: the Slack webhook URL is read from a Secret
// the repository's configuration names (Settings), and e-mail goes through
// the Alertmanager's own SMTP settings. A webhook URL is refused as a
// contact because it is a credential, and metadata.contact is written into
// the annotations of every object and into the catalog.
package alerting
