// SPDX-License-Identifier: Apache-2.0

package metrics

// contract_test.go: holds probes.go to dwcp.d, the probe contract, and the
// copies of dwcp.d and dwcp_probes.h in this folder to usdt/ when the
// package sits in the dwcp-bpf repository. A probe added to dwcp.d fails
// here until it has its C function, its cgo call and its semaphore.

import (
	"bytes"
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

func TestEveryContractProbeHasCFunctionCallAndSemaphore(t *testing.T) {
	src := readFile(t, "probes.go")
	cFuncs := map[string][]string{}
	for _, m := range regexp.MustCompile(`static void dwcp_go_(\w+)\(([^)]*)\)`).FindAllStringSubmatch(src, -1) {
		cFuncs[m[1]] = argKinds(m[2], "_GoString_")
	}
	probes := contractProbes(t)
	for _, p := range probes {
		got, ok := cFuncs[p.name]
		if !ok {
			t.Errorf("probe %s: no C function dwcp_go_%s in probes.go", p.name, p.name)
			continue
		}
		if strings.Join(got, ",") != strings.Join(p.args, ",") {
			t.Errorf("probe %s: dwcp_go_%s takes %v, dwcp.d says %v", p.name, p.name, got, p.args)
		}
		for _, want := range []string{
			`DWCP_` + strings.ToUpper(p.name) + `\(`,
			`C\.dwcp_go_` + p.name + `\(`,
			`sem` + camel(p.name) + `\s*=\s*sem\(&C\.dwcp_` + p.name + `_semaphore\)`,
			`func fire` + camel(p.name) + `\(`,
		} {
			if !regexp.MustCompile(want).MatchString(src) {
				t.Errorf("probe %s: probes.go lacks %s", p.name, want)
			}
		}
		delete(cFuncs, p.name)
	}
	for name := range cFuncs {
		t.Errorf("probes.go fires %s, which dwcp.d does not have", name)
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
