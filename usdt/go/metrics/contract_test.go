// SPDX-License-Identifier: Apache-2.0

package metrics

// contract_test.go: holds probes.go and internal/sites to dwcp.d, the probe
// contract, and the copies of dwcp.d and dwcp_probes.h in this folder to
// usdt/ when the package sits in the dwcp-bpf repository. A probe added to
// dwcp.d fails here until it has its C site, its index, its fire function
// and its semaphore.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

type contractProbe struct {
	name string
	args []string // "string" or "integer", in order
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var comment = regexp.MustCompile(`(?s)/\*.*?\*/`)

func contractProbes(t *testing.T) []contractProbe {
	text := comment.ReplaceAllString(readFile(t, "dwcp.d"), "")
	var probes []contractProbe
	for _, m := range regexp.MustCompile(`probe\s+(\w+)\s*\(([^)]*)\)\s*;`).FindAllStringSubmatch(text, -1) {
		probes = append(probes, contractProbe{m[1], argKinds(m[2], "char *")})
	}
	if len(probes) == 0 {
		t.Fatal("no probes in dwcp.d")
	}
	return probes
}

// argKinds classifies a C parameter list; stringType marks strings.
func argKinds(params, stringType string) []string {
	var kinds []string
	for _, p := range strings.Split(params, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.HasPrefix(p, stringType) {
			kinds = append(kinds, "string")
		} else {
			kinds = append(kinds, "integer")
		}
	}
	return kinds
}

func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func TestEveryContractProbeHasSiteCallAndSemaphore(t *testing.T) {
	sitesSrc := readFile(t, filepath.Join("internal", "sites", "sites.go"))
	src := readFile(t, "probes.go")
	probes := contractProbes(t)
	sitesDefined := regexp.MustCompile(`(?m)^SITE\((\w+)\)`).FindAllStringSubmatch(sitesSrc, -1)
	if len(sitesDefined) != len(probes) {
		t.Errorf("internal/sites defines %d sites, dwcp.d has %d probes", len(sitesDefined), len(probes))
	}
	// the index constants of internal/sites, in dwcp.d's order
	block := sitesSrc[strings.Index(sitesSrc, "const (\n\tStreamStart = iota"):]
	block = block[:strings.Index(block, ")")]
	constants := regexp.MustCompile(`(?m)^\t([A-Z]\w+)`).FindAllStringSubmatch(block, -1)
	for i, p := range probes {
		if i >= len(constants) || constants[i][1] != camel(p.name) {
			t.Errorf("internal/sites: constant %d is not %s", i, camel(p.name))
		}
		// the site: the probe's strings are s0.., its integers u0.., in order
		var args []string
		strs, ints := 0, 0
		for _, kind := range p.args {
			if kind == "string" {
				args = append(args, fmt.Sprintf("s%d", strs))
				strs++
			} else {
				args = append(args, fmt.Sprintf("u%d", ints))
				ints++
			}
		}
		site := fmt.Sprintf("SITE(%s) { S; DWCP_%s(%s); }", p.name, strings.ToUpper(p.name), strings.Join(args, ", "))
		if !strings.Contains(sitesSrc, site) {
			t.Errorf("probe %s: internal/sites lacks %q", p.name, site)
		}
		for _, want := range []string{
			`sem` + camel(p.name) + `\s*=\s*sites\.Semaphores\[sites\.` + camel(p.name) + `\]`,
			fmt.Sprintf(`(?s)func fire%s\(.*?fire%dS\(sites\.%s,`, camel(p.name), strs, camel(p.name)),
		} {
			if !regexp.MustCompile(want).MatchString(src) {
				t.Errorf("probe %s: probes.go lacks %s", p.name, want)
			}
		}
	}
	if len(allSemaphores) != len(probes) {
		t.Errorf("allSemaphores has %d entries, dwcp.d %d probes", len(allSemaphores), len(probes))
	}
}

func TestLevelSemaphoresAreTheHeaderLevelProbes(t *testing.T) {
	header := readFile(t, "dwcp_probes.h")
	i := strings.Index(header, "dwcp_level_signature(void)")
	j := strings.Index(header[i:], "}")
	levelProbes := regexp.MustCompile(`DWCP_SEMAPHORE\((\w+)\)`).FindAllStringSubmatch(header[i:i+j], -1)
	src := readFile(t, "probes.go")
	k := strings.Index(src, "var levelSemaphores")
	block := src[k : k+strings.Index(src[k:], "}")]
	if len(levelProbes) != len(levelSemaphores) {
		t.Fatalf("header has %d level probes, levelSemaphores %d", len(levelProbes), len(levelSemaphores))
	}
	for _, m := range levelProbes {
		if !strings.Contains(block, "sem"+camel(m[1])) {
			t.Errorf("level probe %s is not in levelSemaphores", m[1])
		}
	}
}

// The header's probe table (DWCP_FOR_EACH_PROBE, generated from dwcp.d)
// lists the contract's probes in order, with their argument counts.
func TestHeaderProbeTableIsTheContract(t *testing.T) {
	var got, want []string
	for _, m := range regexp.MustCompile(`X\((\w+), (\d+)\)`).FindAllStringSubmatch(readFile(t, "dwcp_probes.h"), -1) {
		got = append(got, m[1]+"/"+m[2])
	}
	for _, p := range contractProbes(t) {
		want = append(want, p.name+"/"+strconv.Itoa(len(p.args)))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("DWCP_FOR_EACH_PROBE lists %v, dwcp.d %v", got, want)
	}
}

// In the dwcp-bpf repository this folder is usdt/go/metrics; copied into a
// DWCP tree it stands alone and these copies are all there is.
func TestContractCopiesMatchTheRepository(t *testing.T) {
	for _, name := range []string{"dwcp.d", "dwcp_probes.h"} {
		original := filepath.Join("..", "..", name)
		want, err := os.ReadFile(original)
		if os.IsNotExist(err) {
			t.Skipf("%s not found: not inside the dwcp-bpf repository", original)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, name); !bytes.Equal([]byte(got), want) {
			t.Errorf("%s differs from %s: copy it again (cp %s .)", name, original, original)
		}
	}
}
