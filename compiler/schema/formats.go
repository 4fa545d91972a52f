package schema

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones checked the same on every machine

	"github.com/robfig/cron/v3"

	"github.com/distribution/reference"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Formats are the string formats of the app schema that kiln checks with the
// libraries Kubernetes itself uses, so that kiln accepts exactly what the API
// server will. Each returns nil or an error phrased for the user. The names
// appear as "format" in the JSON Schema. A message completes the sentence
// "<field> <value> …": "is invalid: …", "must …".
var Formats = map[string]func(string) error{
	"dns-label":      k8s(validation.IsDNS1123Label),
	"dns-subdomain":  k8s(validation.IsDNS1123Subdomain),
	"label-value":    labelValue,
	"label-key":      k8s(validation.IsQualifiedName),
	"env-var-name":   k8s(validation.IsEnvVarName),
	"config-key":     k8s(validation.IsConfigMapKey),
	"quantity":       quantity,
	"duration":       duration,
	"image":          image,
	"http-path":      httpPath,
	"date":           date,
	"port-name":      k8s(validation.IsValidPortName),
	"container-path": containerPath,
	"cron":           cronSchedule,
	"time-zone":      timeZone,
	"go-duration":    goDuration,
}

// FormatHints say what a valid value of each format looks like.
var FormatHints = map[string]string{
	"dns-label":      "lower-case letters, digits and '-', at most 63 characters, e.g. checkout",
	"dns-subdomain":  "a DNS name such as checkout.example.com",
	"label-value":    "letters, digits, '-', '_' and '.', at most 63 characters, e.g. team-payments",
	"label-key":      "a label key such as release or example.com/team",
	"env-var-name":   "a name such as LOG_LEVEL",
	"config-key":     "letters, digits, '-', '_' and '.'",
	"quantity":       "a Kubernetes quantity such as 250m, 1, 512Mi or 2Gi",
	"duration":       "a duration such as 300ms, 5m, 24h or 30d",
	"image":          "an image reference such as registry.example.com/team/app:1.2.3",
	"http-path":      "an absolute URL path such as /healthz",
	"date":           "a date such as 2027-03-31",
	"port-name":      "lower-case letters, digits and '-', at most 15 characters, with a letter, e.g. metrics",
	"container-path": "an absolute path in the container such as /etc/app/config.yaml",
	"cron":           "a cron schedule such as \"0 3 * * *\" (minute hour day-of-month month day-of-week)",
	"time-zone":      "a time zone of the tz database such as Europe/Berlin or Etc/UTC",
	"go-duration":    "a duration such as 30s, 15m or 1h",
}

func date(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errors.New("is not a date (YYYY-MM-DD, such as 2027-03-31)")
	}
	return nil
}

func k8s(check func(string) []string) func(string) error {
	return func(s string) error {
		errs := check(s)
		if len(errs) == 0 {
			return nil
		}
		// Kubernetes' messages end in examples and the regexp it used;
		// FormatHints gives the user a shorter example.
		for i, e := range errs {
			if j := strings.Index(e, " (e.g."); j >= 0 {
				errs[i] = e[:j]
			}
		}
		return errors.New("is invalid: " + strings.Join(errs, "; "))
	}
}

func labelValue(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	return k8s(validation.IsValidLabelValue)(s)
}

// Quantities are bounded before apimachinery parses them: it scales a
// number by its decimal exponent with arbitrary-precision arithmetic, so
// that "1e-999999999" costs minutes and gigabytes, and the digits of a
// long number cost time in proportion. Kubernetes' suffixes span 1n to 1E
// (10^-9 to 10^18); these bounds leave far more room than a resource needs.
const (
	MaxQuantityLen      = 64 // characters
	MaxQuantityExponent = 99 // the largest |n| of a decimal exponent en
)

func quantity(s string) error {
	if err := quantityBounds(s); err != nil {
		return err
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return errors.New("is not a Kubernetes quantity (such as 250m, 1, 512Mi or 2Gi)")
	}
	if q.Sign() < 0 {
		return errors.New("must not be negative")
	}
	return nil
}

// quantityBounds refuses a quantity too long, or with too large an
// exponent, to parse in bounded time.
func quantityBounds(s string) error {
	if len(s) > MaxQuantityLen {
		return fmt.Errorf("is %d characters long; kiln reads quantities of at most %d", len(s), MaxQuantityLen)
	}
	// An exponent is the digits after e or E (E alone is the suffix exa).
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return nil
	}
	exp := strings.TrimLeft(s[i+1:], "+-")
	if exp == "" || strings.Trim(exp, "0123456789") != "" {
		return nil // not an exponent: ParseQuantity says what is wrong
	}
	if n, err := strconv.Atoi(strings.TrimLeft(exp, "0") + "0"); err != nil || n/10 > MaxQuantityExponent {
		return fmt.Errorf("has the exponent %s; kiln reads quantities with exponents from e-%d to e%d", s[i:], MaxQuantityExponent, MaxQuantityExponent)
	}
	return nil
}

func duration(s string) error {
	d, err := model.ParseDuration(s)
	if err != nil {
		return errors.New("is not a duration (such as 300ms, 5m, 24h or 30d)")
	}
	if d <= 0 {
		return errors.New("must be longer than zero")
	}
	return nil
}

func image(s string) error {
	if _, err := reference.ParseNormalizedNamed(s); err != nil {
		return fmt.Errorf("is not a valid image reference: %v", err)
	}
	return nil
}

func httpPath(s string) error {
	if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("must be %s", FormatHints["http-path"])
	}
	return nil
}

// containerPath is an absolute, clean path in a container, not the root.
func containerPath(s string) error {
	if !strings.HasPrefix(s, "/") || path.Clean(s) != s || s == "/" || strings.ContainsAny(s, "\x00\n\r") {
		return fmt.Errorf("must be %s (absolute, without . or .. or a trailing /)", FormatHints["container-path"])
	}
	return nil
}

// cronSchedule parses s as the CronJob controller does: robfig/cron's
// standard parser, which also takes @daily and the like; a TZ= or
// CRON_TZ= prefix is refused, as the API server refuses it (timeZone says
// the zone).
func cronSchedule(s string) error {
	if strings.Contains(s, "TZ=") {
		return errors.New("must not set its time zone in the schedule: use workload.timeZone")
	}
	if _, err := cron.ParseStandard(s); err != nil {
		return fmt.Errorf("is not a cron schedule: %v", err)
	}
	return nil
}

// timeZone is a zone of the tz database, as the CronJob controller loads
// it; kiln embeds the database (time/tzdata), so the answer does not
// depend on the machine.
func timeZone(s string) error {
	if s == "" || s == "Local" || strings.HasPrefix(s, "/") {
		return errors.New("is not a time zone name of the tz database")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return errors.New("is not a time zone name of the tz database")
	}
	return nil
}

// goDuration is a duration as Go (and so a Kubernetes controller written
// in it) parses it: no days.
func goDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("is not a duration (such as 30s, 15m or 1h; no days)")
	}
	if d <= 0 {
		return errors.New("must be longer than zero")
	}
	return nil
}
