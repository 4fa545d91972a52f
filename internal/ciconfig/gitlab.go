package ciconfig

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A GitLabJob is the part of a GitLab CI job the tests hold to kiln.
type GitLabJob struct {
	Image        string            `yaml:"image"`
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
	Cache        GitLabCache       `yaml:"cache"`
	Artifacts    GitLabArtifacts   `yaml:"artifacts"`
}

// GitLabCache is a job's cache: what it keeps between pipelines.
type GitLabCache struct {
	Key   string   `yaml:"key"`
	Paths []string `yaml:"paths"`
	When  string   `yaml:"when"`
}

// GitLabArtifacts are the files a job hands to GitLab; Reports names the
// ones GitLab reads (reports: codequality:, junit:).
type GitLabArtifacts struct {
	When    string            `yaml:"when"`
	Paths   []string          `yaml:"paths"`
	Reports map[string]string `yaml:"reports"`
}

// LoadGitLab reads the jobs of a .gitlab-ci.yml. Global keywords
// (stages, default, variables, workflow, include) are skipped; a job
// keyword this type does not model (rules, stage, needs) is ignored.
func LoadGitLab(path string) (map[string]GitLabJob, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var top map[string]yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&top); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	jobs := map[string]GitLabJob{}
	for name, node := range top {
		switch name {
		case "stages", "default", "variables", "workflow", "include":
			continue
		}
		var j GitLabJob
		if err := node.Decode(&j); err != nil {
			return nil, fmt.Errorf("%s: job %s: %w", path, name, err)
		}
		jobs[name] = j
	}
	return jobs, nil
}

// KilnCommands returns the kiln command lines of a script, split into
// words as the shell would before expansion (quotes removed, $VARIABLES
// left as written): each line, of each entry, whose first word is kiln.
// A line ending in a backslash continues on the next.
func KilnCommands(script []string) ([][]string, error) {
	var out [][]string
	for _, entry := range script {
		entry = strings.ReplaceAll(entry, "\\\n", " ")
		for _, line := range strings.Split(entry, "\n") {
			words, err := SplitWords(line)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", line, err)
			}
			if len(words) > 0 && words[0] == "kiln" {
				out = append(out, words)
			}
		}
	}
	return out, nil
}

// SplitWords splits a line of POSIX shell into words: blanks separate
// them, single quotes keep everything, double quotes keep all but a
// backslash before " \ $ `, a # at a word's start begins a comment.
// Expansions ($VAR, $(...)) are kept as text.
func SplitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) && strings.IndexByte("\"\\$`", line[j+1]) >= 0 {
					j++
				}
				cur.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			i = j
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
