package report

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
)

// gitlabIssue is one finding in GitLab's code quality report: the subset
// of the Code Climate issue format GitLab reads, each field of which it
// requires (https://docs.gitlab.com/ci/testing/code_quality/).
type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"` // info, minor, major, critical, blocker
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

// GitLab writes GitLab's code quality report: a JSON array with one
// issue per finding that is not waived (GitLab has no suppressed
// issues), named relative to the repository root as SARIF names files,
// with a fingerprint that follows the finding when its line moves, as
// the merge request widget tells new findings from old ones by it.
func GitLab(w io.Writer, ds diag.List, opts Options) error {
	issues := []gitlabIssue{}
	occurrences := map[string]int{}
	for _, d := range ds {
		if d.Waived != "" {
			continue
		}
		code := d.Code
		if code == "" {
			code = "kiln"
		}
		key := stableKey(d)
		issue := gitlabIssue{
			Description: d.Message + d.EnvironmentsSuffix(), CheckName: code,
			Fingerprint: fingerprint("gitlab\x00"+key, occurrences[key]), Severity: gitlabSeverity(d),
			Location: gitlabLocation{Path: ".", Lines: gitlabLines{Begin: 1}},
		}
		occurrences[key]++
		if d.Pos.Valid() {
			issue.Location = gitlabLocation{Path: opts.relPath(d.Pos.File.Name), Lines: gitlabLines{Begin: max(lineOf(d), 1)}}
		}
		issues = append(issues, issue)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(issues)
}

// gitlabSeverity ranks a finding on GitLab's scale: an error that kept
// kiln from checking something is critical, another error major, a
// warning minor and a note info. Blocker is left to the teams' own
// tools: kiln has no severity above error.
func gitlabSeverity(d diag.Diagnostic) string {
	switch {
	case d.Unchecked():
		return "critical"
	case d.Severity == diag.Error:
		return "major"
	case d.Severity == diag.Warning:
		return "minor"
	}
	return "info"
}

// relPath names a file relative to the repository root, with forward
// slashes, as artifact does for SARIF: GitLab links an issue to the
// file at that path of the repository. A file outside the repository
// keeps its name.
func (o Options) relPath(name string) string {
	if o.Root == "" {
		return filepath.ToSlash(name)
	}
	abs := name
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(o.Dir, name)
	}
	rel, err := filepath.Rel(o.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(name)
	}
	return filepath.ToSlash(rel)
}
