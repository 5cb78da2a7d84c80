// Copyright 2026 The mcp_exporter Authors
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// Command bench measures what a probe costs, side by side, in one run on
// one machine against the same local MCP server (the go-sdk demo server):
//
//	A  mcp_exporter, as a process, probed over /probe at fixed concurrency;
//	B  the floor: a minimal Go client (this program, run again as a child
//	   process) making the same four HTTP exchanges with nothing else;
//	C  Debian's prometheus-blackbox-exporter, as a process, with an http
//	   module that POSTs initialize and checks the body for "result".
//
// CPU is read from each process's own /proc/<pid>/stat before and after
// the measured run, the same way for all three. A last check sends 1,000
// probes at once to a fresh exporter whose target answers after 2 s and
// reads the exporter's peak RSS.
//
// Run it from the repository root:
//
//	go run ./bench
//
// It is a benchmark, not a test: CI does not run it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets, as the issue sets them.
const (
	targetAOverB   = 1.5
	targetAOverC   = 0.8
	targetSlowRSS  = 80 << 20
	blackboxBinary = "prometheus-blackbox-exporter"
)

type options struct {
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	probes      int
	slowProbes  int
	slowDelay   time.Duration
	jsonOut     bool
	blackbox    string
	cpuProfile  string
	maxLoad     float64
	keep        bool
	rows        string
	exporterEnv string
	rounds      int
	slowLimit   string
	slowRuns    int
	exporterArg string
	tracing     float64
}

func main() {
	var o options
	floorChild := flag.Bool("floor-child", false, "internal: run as the floor client (row B)")
	floorTarget := flag.String("floor-target", "", "internal: the floor client's MCP endpoint")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "how long each row (A, B, C) is measured, in all")
	flag.IntVar(&o.rounds, "rounds", 3, "the rows take turns this many times, each for its share of -duration or -probes")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each row")
	flag.IntVar(&o.concurrency, "concurrency", 8, "probes in flight at once in rows A, B and C")
	flag.IntVar(&o.probes, "probes", 0, "measure exactly this many probes per row instead of -duration")
	flag.IntVar(&o.slowProbes, "slow-probes", 1000, "probes sent at once to the slow server (0 skips the check)")
	flag.DurationVar(&o.slowDelay, "slow-delay", 2*time.Second, "how long the slow server waits before each answer")
	flag.StringVar(&o.slowLimit, "slow-memlimit", "80MiB", "run the slow-server check again with this GOMEMLIMIT (empty: do not)")
	flag.IntVar(&o.slowRuns, "slow-runs", 5, "run the slow-server check this many times, each with a fresh exporter; the verdict reads the median peak RSS")
	flag.BoolVar(&o.jsonOut, "json", false, "print the results as JSON instead of a table")
	flag.StringVar(&o.blackbox, "blackbox", "", "blackbox_exporter binary (default: "+blackboxBinary+" from $PATH; row C is skipped without it)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write row A's exporter CPU profile to this file (through MCP_EXPORTER_CPUPROFILE)")
	flag.Float64Var(&o.maxLoad, "max-load", 0, "before measuring, wait (up to 10 minutes) until the 1-minute load average is below this; 0 does not wait")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, configurations, logs)")
	flag.StringVar(&o.rows, "rows", "ABC", "which rows to measure (A, B, C); ratios need the rows they compare")
	flag.StringVar(&o.exporterArg, "exporter-flags", "", "extra flags for the exporter of row A, comma-separated, such as --history.limit=10")
	flag.StringVar(&o.exporterEnv, "exporter-env", "", "extra environment for the exporter processes (row A and the slow-server check), comma-separated, such as GOGC=200,GOMEMLIMIT=80MiB")
	flag.Float64Var(&o.tracing, "tracing", -1, "trace the exporter's probes at this sampling fraction (0 to 1) to an OTLP/HTTP receiver the bench runs, which drops what it gets; -1: no tracing block")
	flag.Parse()
	o.rounds = max(o.rounds, 1)
	o.slowRuns = max(o.slowRuns, 1)
	if *floorChild {
		os.Exit(runFloorChild(*floorTarget))
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// row is one line of the table.
type row struct {
	Name      string     `json:"name"`
	Exchanges int        `json:"http_exchanges_per_probe"`
	Skipped   string     `json:"skipped,omitempty"`
	Load      loadResult `json:"load"`
	// CPU is the process's user+system CPU time over the measured run.
	CPU time.Duration `json:"cpu_ns"`
	// ServerCPU is the MCP server's, over the same run.
	ServerCPU time.Duration `json:"server_cpu_ns"`
	PeakRSS   int64         `json:"peak_rss_bytes"`
	// Rounds is the same figures round by round, for the ratios' spread.
	Rounds []roundFigures `json:"rounds,omitempty"`
}

// roundFigures is what one row did in one round.
type roundFigures struct {
	Probes int           `json:"probes"`
	CPU    time.Duration `json:"cpu_ns"`
}

func (f roundFigures) cpuPerProbe() time.Duration {
	if f.Probes == 0 {
		return 0
	}
	return f.CPU / time.Duration(f.Probes)
}

func (r row) cpuPerProbe() time.Duration {
	if r.Load.Probes == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Load.Probes)
}

func (r row) perSecond() float64 {
	if r.Load.Elapsed == 0 {
		return 0
	}
	return float64(r.Load.Probes) / r.Load.Elapsed.Seconds()
}

type ratio struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target float64 `json:"target_at_most"`
	Pass   bool    `json:"pass"`
	Note   string  `json:"note,omitempty"`
	// PerRound is the ratio in each round alone: the rows take turns, so
	// round i of one row ran beside round i of the other.
	PerRound []float64 `json:"per_round,omitempty"`
}

// cpuRatio is a's CPU per probe over b's, over the whole run and round by
// round; with a target above 0, judged against it, else noted as having
// none.
func cpuRatio(name string, a, b row, target float64) ratio {
	q := ratio{Name: name, Value: float64(a.cpuPerProbe()) / float64(b.cpuPerProbe()), Target: target}
	if target > 0 {
		q.Pass = q.Value <= target
	} else {
		q.Note = "no target"
	}
	if len(a.Rounds) == len(b.Rounds) {
		for i, ra := range a.Rounds {
			pa, pb := ra.cpuPerProbe(), b.Rounds[i].cpuPerProbe()
			if pa == 0 || pb == 0 {
				q.PerRound = nil
				break
			}
			q.PerRound = append(q.PerRound, float64(pa)/float64(pb))
		}
	}
	return q
}

type report struct {
	Date        time.Time  `json:"date"`
	Machine     machine    `json:"machine"`
	Concurrency int        `json:"concurrency"`
	Duration    string     `json:"duration,omitempty"`
	Probes      int        `json:"probes_per_row,omitempty"`
	Rounds      int        `json:"rounds"`
	Server      string     `json:"server"`
	Rows        []row      `json:"rows"`
	Ratios      []ratio    `json:"ratios"`
	Slow        *slowCheck `json:"slow,omitempty"`
	// SlowLimited is the same check with GOMEMLIMIT set (-slow-memlimit).
	SlowLimited *slowCheck   `json:"slow_gomemlimit,omitempty"`
	Notes       []string     `json:"notes,omitempty"`
	CPUProfile  string       `json:"cpu_profile,omitempty"`
	ExporterEnv string       `json:"exporter_env,omitempty"`
	Revision    string       `json:"revision,omitempty"`
	LoadAverage [2][3]string `json:"load_average_before_after"`
}

type machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	Blackbox string `json:"blackbox_exporter,omitempty"`
}

func run(o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mcp-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "bench: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	progress("building mcp_exporter and the demo MCP server")
	exporterBin := filepath.Join(dir, "mcp_exporter")
	demoBin := filepath.Join(dir, "demo-mcp-server")
	if err := goBuild(root, exporterBin, "."); err != nil {
		return err
	}
	if err := goBuild(root, demoBin, "./examples/demo-mcp-server"); err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "mcp_exporter.yml")
	// The default module: era and transport detection, tools/list, and the
	// session's DELETE. Once the era is remembered, a probe of the stateful
	// demo server is four HTTP exchanges on one connection.
	cfgText := "modules:\n  default:\n    timeout: 10s\n"
	if o.tracing >= 0 {
		addr, exports, stop, err := startOTLPSink()
		if err != nil {
			return err
		}
		defer func() {
			stop()
			progress(fmt.Sprintf("tracing: sampling_fraction %v, the OTLP receiver got %d export requests", o.tracing, exports.Load()))
		}()
		cfgText += fmt.Sprintf("tracing:\n  endpoint: %s\n  client_type: http\n  insecure: true\n  sampling_fraction: %v\n", addr, o.tracing)
	}
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		return err
	}

	rep := &report{
		Date:        time.Now().UTC().Truncate(time.Second),
		Machine:     describeMachine(),
		Concurrency: o.concurrency,
		Server:      "examples/demo-mcp-server (go-sdk, stateful, 2025-11-25, SSE answers)",
		Revision:    gitRevision(root),
		ExporterEnv: o.exporterEnv,
		Rounds:      o.rounds,
	}
	if o.probes > 0 {
		rep.Probes = o.probes
	} else {
		rep.Duration = o.duration.String()
	}

	// The MCP server of rows A and B. blackbox_exporter never DELETEs the
	// sessions its initialize opens; they would pile up in this server, so
	// C gets its own instance of the same server, binary and flags.
	server, serverURL, err := startDemo(dir, demoBin, "demo-mcp-server")
	if err != nil {
		return err
	}
	defer server.stop()

	warm := loadSpec{Concurrency: o.concurrency, Duration: o.warmup}
	var subjects []*subject
	defer func() {
		for _, s := range subjects {
			s.stop()
		}
	}()
	want := func(r string) bool { return strings.Contains(o.rows, r) }

	a := &subject{row: row{Name: "A mcp_exporter /probe", Exchanges: 4}, server: server}
	if !want("A") {
		a.row.Skipped = "not measured (-rows)"
	} else {
		progress("A: starting mcp_exporter")
		if err := startExporter(a, dir, exporterBin, cfgPath, serverURL, o, warm); err != nil {
			return err
		}
		subjects = append(subjects, a)
		if o.cpuProfile != "" {
			rep.CPUProfile = o.cpuProfile
		}
	}
	b := &subject{row: row{Name: "B floor: minimal Go client", Exchanges: 4}, server: server}
	if !want("B") {
		b.row.Skipped = "not measured (-rows)"
	} else {
		progress("B: starting the floor client")
		if err := startFloorSubject(b, dir, self, serverURL, warm); err != nil {
			return err
		}
		subjects = append(subjects, b)
	}
	c := &subject{row: row{Name: "C blackbox_exporter, http module: POST initialize", Exchanges: 1}}
	bbPath := o.blackbox
	if bbPath == "" {
		bbPath, _ = exec.LookPath(blackboxBinary)
	}
	switch {
	case !want("C"):
		c.row.Skipped = "not measured (-rows)"
	case bbPath == "":
		c.row.Skipped = blackboxBinary + " is not installed (apt-get install prometheus-blackbox-exporter); row C skipped"
		progress(c.row.Skipped)
	default:
		progress("C: starting blackbox_exporter")
		rep.Machine.Blackbox = commandVersion(bbPath)
		server2, serverURL2, err := startDemo(dir, demoBin, "demo-mcp-server-c")
		if err != nil {
			return err
		}
		defer server2.stop()
		c.server = server2
		if err := startBlackbox(c, dir, bbPath, serverURL2, o, warm); err != nil {
			return err
		}
		subjects = append(subjects, c)
	}

	if o.maxLoad > 0 {
		waitForLowLoad(o.maxLoad)
	}
	rep.LoadAverage[0] = loadAverage()
	// The rows take turns, round after round, so that whatever else the
	// machine does weighs on each of them alike.
	spec := loadSpec{Concurrency: o.concurrency, Duration: o.duration / time.Duration(o.rounds)}
	if o.probes > 0 {
		spec = loadSpec{Concurrency: o.concurrency, Count: max(o.probes/o.rounds, 1)}
	}
	for round := 1; round <= o.rounds && len(subjects) > 0; round++ {
		progress(fmt.Sprintf("round %d of %d", round, o.rounds))
		for _, s := range subjects {
			if err := s.measure(spec); err != nil {
				return err
			}
		}
	}
	for _, s := range subjects {
		s.finish()
	}
	rep.Rows = []row{a.row, b.row, c.row}
	rep.LoadAverage[1] = loadAverage()
	ra, rb, rc := a.row, b.row, c.row

	// Ratios of CPU per probe, from this run.
	if ra.Skipped == "" && rb.Skipped == "" && rb.Load.Probes > 0 {
		rep.Ratios = append(rep.Ratios, cpuRatio("A/B CPU per probe", ra, rb, targetAOverB))
	}
	if ra.Skipped == "" && rc.Skipped == "" && rc.Load.Probes > 0 {
		rep.Ratios = append(rep.Ratios, cpuRatio("A/C CPU per probe (A: 4 exchanges, C: 1)", ra, rc, targetAOverC))
	}
	if rb.Skipped == "" && rc.Skipped == "" && rc.Load.Probes > 0 {
		rep.Ratios = append(rep.Ratios, cpuRatio("C/B CPU per probe (for reference)", rc, rb, 0))
	}

	// 1,000 probes in flight against a server that answers after 2 s.
	if o.slowProbes > 0 {
		s, err := measureSlowRuns(dir, exporterBin, cfgPath, o, nil)
		if err != nil {
			return err
		}
		rep.Slow = s
		if o.slowLimit != "" {
			if rep.SlowLimited, err = measureSlowRuns(dir, exporterBin, cfgPath, o, []string{"GOMEMLIMIT=" + o.slowLimit}); err != nil {
				return err
			}
		}
	}

	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(os.Stdout, rep)
	return nil
}

// subject is one row: a process that probes the MCP server, measured
// from outside, and how to make it probe.
type subject struct {
	row    row
	proc   *proc // whose CPU is read
	server *proc // the MCP server it probes
	load   func(loadSpec) (loadResult, []time.Duration, error)
	close  func()
	lat    []time.Duration
}

// measure runs spec and adds the probes, and the CPU time the process and
// the server spent on them, to the row.
func (s *subject) measure(spec loadSpec) error {
	c0, err := s.proc.cpu()
	if err != nil {
		return fmt.Errorf("%s: %w", s.row.Name, err)
	}
	s0, _ := s.server.cpu()
	res, lat, err := s.load(spec)
	if err != nil {
		return fmt.Errorf("%s: %w", s.row.Name, err)
	}
	c1, err := s.proc.cpu()
	if err != nil {
		return fmt.Errorf("%s: %w", s.row.Name, err)
	}
	s1, _ := s.server.cpu()
	r := &s.row
	r.CPU += c1 - c0
	r.ServerCPU += s1 - s0
	r.Load.Probes += res.Probes
	r.Load.Failed += res.Failed
	r.Load.Elapsed += res.Elapsed
	r.Rounds = append(r.Rounds, roundFigures{Probes: res.Probes, CPU: c1 - c0})
	if r.Load.FirstError == "" {
		r.Load.FirstError = res.FirstError
	}
	s.lat = append(s.lat, lat...)
	return nil
}

// finish completes the row: latencies and peak RSS.
func (s *subject) finish() {
	s.row.Load.P50, s.row.Load.P99 = percentile(s.lat, 0.50), percentile(s.lat, 0.99)
	s.row.PeakRSS = s.proc.peakRSS()
}

func (s *subject) stop() {
	if s.close != nil {
		s.close()
		s.close = nil
	}
}

// scrapeLoad drives an exporter's /probe.
func scrapeLoad(probeURL string, concurrency int) func(loadSpec) (loadResult, []time.Duration, error) {
	client := scrapeClient(concurrency)
	return func(spec loadSpec) (loadResult, []time.Duration, error) {
		res, lat := runLoad(spec, func(ctx context.Context) string { return scrape(ctx, client, probeURL) })
		return res, lat, nil
	}
}

// startExporter starts mcp_exporter (row A) and warms it up.
func startExporter(s *subject, dir, bin, cfg, serverURL string, o options, warm loadSpec) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	env := exporterEnv(o)
	if o.cpuProfile != "" {
		abs, _ := filepath.Abs(o.cpuProfile)
		env = append(env, "MCP_EXPORTER_CPUPROFILE="+abs)
	}
	args := []string{"--config.file=" + cfg, "--web.listen-address=" + addr, "--log.level=error"}
	if o.exporterArg != "" {
		args = append(args, strings.Split(o.exporterArg, ",")...)
	}
	exp, err := startProc("mcp_exporter", dir, bin, args, env)
	if err != nil {
		return err
	}
	// The first probe detects the era; the rest are the four exchanges.
	return scrapeSubject(s, exp, "row A", "http://"+addr, "/probe?target="+serverURL, o, warm)
}

// scrapeSubject makes the exporter p, listening at base, the subject s:
// ready, probed once through probePath (which must succeed) and warmed up.
func scrapeSubject(s *subject, p *proc, row, base, probePath string, o options, warm loadSpec) error {
	s.proc, s.close = p, p.stop
	if err := p.waitReady(base + "/-/healthy"); err != nil {
		return err
	}
	s.load = scrapeLoad(base+probePath, o.concurrency)
	res, _, _ := s.load(loadSpec{Concurrency: 1, Count: 1})
	if res.Failed > 0 {
		return fmt.Errorf("%s: the first probe failed: %s\n%s", row, res.FirstError, p.tail())
	}
	_, _, err := s.load(warm)
	return err
}

// startFloorSubject starts the floor client (row B) and warms it up.
func startFloorSubject(s *subject, dir, self, serverURL string, warm loadSpec) error {
	f, err := startFloor(dir, self, serverURL)
	if err != nil {
		return err
	}
	s.proc, s.close, s.load = f.proc, f.close, f.run
	_, _, err = f.run(warm)
	return err
}

const blackboxConfig = `modules:
  mcp_initialize:
    prober: http
    timeout: 10s
    http:
      method: POST
      valid_status_codes: [200]
      preferred_ip_protocol: ip4
      headers:
        Content-Type: application/json
        Accept: application/json, text/event-stream
      body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"blackbox_exporter","version":"0.23.0"},"protocolVersion":"2025-11-25"}}'
      fail_if_body_not_matches_regexp: ['"result"']
`

// startBlackbox starts blackbox_exporter (row C) and warms it up.
func startBlackbox(s *subject, dir, bin, serverURL string, o options, warm loadSpec) error {
	cfg := filepath.Join(dir, "blackbox.yml")
	if err := os.WriteFile(cfg, []byte(blackboxConfig), 0o644); err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	bb, err := startProc("blackbox_exporter", dir, bin, []string{
		"--config.file=" + cfg, "--web.listen-address=" + addr, "--log.level=error",
	}, nil)
	if err != nil {
		return err
	}
	return scrapeSubject(s, bb, "row C", "http://"+addr, "/probe?module=mcp_initialize&target="+serverURL, o, warm)
}

// measureSlowRuns runs the slow-server check o.slowRuns times. One run's
// peak depends on when the collector runs against the burst of answers
// (on this machine, identical code spread over 72-88 MiB), so the verdict
// reads the median run, and every run is reported.
func measureSlowRuns(dir, bin, cfg string, o options, env []string) (*slowCheck, error) {
	c := &slowCheck{Probes: o.slowProbes, Delay: o.slowDelay, Limit: targetSlowRSS, Env: strings.Join(env, ",")}
	for i := range o.slowRuns {
		progress(fmt.Sprintf("slow server: %d probes in flight%s, run %d of %d", o.slowProbes, c.with(), i+1, o.slowRuns))
		s, err := measureSlow(dir, bin, cfg, o, env)
		if err != nil {
			return nil, err
		}
		c.Runs = append(c.Runs, s)
	}
	c.summarize()
	return c, nil
}

func measureSlow(dir, bin, cfg string, o options, env []string) (*slowResult, error) {
	slow, err := startSlowServer(o.slowDelay)
	if err != nil {
		return nil, err
	}
	defer slow.close()
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// A fresh exporter, so that its peak RSS is this check's.
	exp, err := startProc("mcp_exporter-slow", dir, bin, []string{
		"--config.file=" + cfg, "--web.listen-address=" + addr, "--log.level=error",
		"--probe.max-concurrency=" + strconv.Itoa(2*o.slowProbes),
	}, append(exporterEnv(o), env...))
	if err != nil {
		return nil, err
	}
	defer exp.stop()
	base := "http://" + addr
	if err := exp.waitReady(base + "/-/healthy"); err != nil {
		return nil, err
	}
	s := runSlowCheck(exp, base, slow.url, o.slowProbes)
	return &s, nil
}

func exporterEnv(o options) []string {
	if o.exporterEnv == "" {
		return nil
	}
	return strings.Split(o.exporterEnv, ",")
}

func startDemo(dir, bin, name string) (*proc, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc(name, dir, bin, []string{"-addr", addr}, nil)
	if err != nil {
		return nil, "", err
	}
	url := "http://" + addr + "/mcp"
	if err := p.waitReady(url); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, url, nil
}

// goBuild builds pkg as the Makefile and the Dockerfile ship the exporter:
// a static binary (CGO_ENABLED=0), without symbol tables or paths, so that
// what is measured is what runs.
func goBuild(root, out, pkg string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module (run from the repository): %w", err)
	}
	root := strings.TrimSpace(string(b))
	if _, err := os.Stat(filepath.Join(root, "examples", "demo-mcp-server")); err != nil {
		return "", fmt.Errorf("run from the mcp_exporter repository: %w", err)
	}
	return root, nil
}

func gitRevision(root string) string {
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

func commandVersion(bin string) string {
	b, _ := exec.Command(bin, "--version").CombinedOutput()
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

func loadAverage() [3]string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	var l [3]string
	for i := 0; i < 3 && i < len(f); i++ {
		l[i] = f[i]
	}
	return l
}

func waitForLowLoad(max float64) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		l, _ := strconv.ParseFloat(loadAverage()[0], 64)
		if l < max {
			return
		}
		if time.Now().After(deadline) {
			progress(fmt.Sprintf("load average still %.2f after 10 minutes; measuring anyway", l))
			return
		}
		progress(fmt.Sprintf("load average %.2f, waiting for < %.2f", l, max))
		time.Sleep(15 * time.Second)
	}
}

func progress(msg string) { fmt.Fprintln(os.Stderr, "bench:", msg) }

func micros(d time.Duration) string {
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func formatRatios(v []float64) string {
	var b strings.Builder
	for _, x := range v {
		fmt.Fprintf(&b, " %.2f", x)
	}
	return b.String()
}

func verdict(pass bool) string {
	if pass {
		return "PASS"
	}
	return "MISS"
}

func printReport(w io.Writer, rep *report) {
	fmt.Fprintf(w, "mcp_exporter benchmark, %s\n", rep.Date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "machine: %s, %d cores, %s, %s\n", rep.Machine.CPU, rep.Machine.Cores, rep.Machine.Kernel, rep.Machine.Go)
	if rep.Revision != "" {
		fmt.Fprintf(w, "revision: %s\n", rep.Revision)
	}
	if rep.Machine.Blackbox != "" {
		fmt.Fprintf(w, "C: %s\n", rep.Machine.Blackbox)
	}
	fmt.Fprintf(w, "server: %s\n", rep.Server)
	if rep.ExporterEnv != "" {
		fmt.Fprintf(w, "exporter environment: %s\n", rep.ExporterEnv)
	}
	span := rep.Duration + " per row"
	if rep.Probes > 0 {
		span = fmt.Sprintf("%d probes per row", rep.Probes)
	}
	span += fmt.Sprintf(", in %d interleaved rounds", rep.Rounds)
	fmt.Fprintf(w, "load: %d probes in flight, %s; load average before %s, after %s\n\n",
		rep.Concurrency, span, strings.Join(rep.LoadAverage[0][:], " "), strings.Join(rep.LoadAverage[1][:], " "))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "row\tprobes\tfailed\tprobes/s\tCPU/probe\tCPU/exchange\tp50\tp99\tpeak RSS\tserver CPU/probe\t")
	for _, r := range rep.Rows {
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t\n", r.Name)
			continue
		}
		var server time.Duration
		if r.Load.Probes > 0 {
			server = r.ServerCPU / time.Duration(r.Load.Probes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.Load.Probes, r.Load.Failed, r.perSecond(),
			micros(r.cpuPerProbe()), micros(r.cpuPerProbe()/time.Duration(r.Exchanges)),
			millis(r.Load.P50), millis(r.Load.P99), mib(r.PeakRSS), micros(server))
	}
	tw.Flush()
	for _, r := range rep.Rows {
		if r.Skipped != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Name[:1], r.Skipped)
		}
		if r.Load.FirstError != "" {
			fmt.Fprintf(w, "%s: first failure: %s\n", r.Name[:1], r.Load.FirstError)
		}
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\ttarget\tverdict")
	for _, q := range rep.Ratios {
		if q.Note != "" {
			fmt.Fprintf(tw, "%s\t%.2f\t%s\t\n", q.Name, q.Value, q.Note)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.2f\t≤ %.1f\t%s\n", q.Name, q.Value, q.Target, verdict(q.Pass))
	}
	for _, c := range []*slowCheck{rep.Slow, rep.SlowLimited} {
		if c == nil || len(c.Runs) == 0 {
			continue
		}
		fmt.Fprintf(tw, "%d probes in flight, answers after %s%s: peak RSS, median of %d\t%s\t≤ %s\t%s\n",
			c.Probes, c.Delay, c.with(), len(c.Runs), mib(c.MedianRSS), mib(c.Limit), verdict(c.Pass))
	}
	tw.Flush()
	for _, q := range rep.Ratios {
		if len(q.PerRound) > 1 {
			fmt.Fprintf(w, "  %s, round by round:%s\n", q.Name, formatRatios(q.PerRound))
		}
	}
	for _, c := range []*slowCheck{rep.Slow, rep.SlowLimited} {
		if c == nil || len(c.Runs) == 0 {
			continue
		}
		fmt.Fprintf(w, "  slow server%s, run by run: %s; %d of %d at most %s, highest %s\n",
			c.with(), c.runRSS(), c.Within, len(c.Runs), mib(c.Limit), mib(c.MaxRSS))
		for i, s := range c.Runs {
			fmt.Fprintf(w, "    run %d: %d failed, most in flight seen %d, all done in %.1f s", i+1, s.Failed, s.MaxInFlight, s.Elapsed.Seconds())
			if g := s.AtPeak; g != nil {
				fmt.Fprintf(w, "; then: %.0f goroutines, heap in use %s, stacks %s", g["go_goroutines"],
					mib(int64(g["go_memstats_heap_inuse_bytes"])), mib(int64(g["go_memstats_stack_inuse_bytes"])))
			}
			fmt.Fprintln(w)
			if s.FirstError != "" {
				fmt.Fprintf(w, "    first failure: %s\n", s.FirstError)
			}
		}
	}
	if rep.CPUProfile != "" {
		fmt.Fprintf(w, "\nA's CPU profile: %s (go tool pprof -top %s)\n", rep.CPUProfile, rep.CPUProfile)
	}
}
