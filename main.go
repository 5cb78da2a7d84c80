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

// Command mcp_exporter is a Prometheus exporter, in the style of
// blackbox_exporter, that probes MCP (Model Context Protocol) servers.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// defaultListenAddress lies outside 9100-9999, the range of the Prometheus
// default port allocations, which is fully allocated: any port in it is
// some other exporter's.
const defaultListenAddress = ":10115"

// releaseVersion is reported when the build did not inject a version
// through prometheus/common/version's ldflags (a plain go build or go run).
const releaseVersion = "0.1.0"

func init() {
	if version.Version == "" {
		version.Version = releaseVersion
	}
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	return runWith(args, os.Stdout, os.Stderr)
}

// runWith is run, with the check command's output, the usage and the flag
// errors written to stdout and stderr.
func runWith(args []string, stdout, stderr io.Writer) int {
	app := kingpin.New("mcp_exporter", "Prometheus exporter that probes MCP (Model Context Protocol) servers.")
	app.UsageWriter(stderr).ErrorWriter(stderr).UsageTemplate(usageTemplate)
	exited := -1 // --help and --version end the run with this code
	app.Terminate(func(code int) {
		if exited < 0 {
			exited = code
		}
	})
	var (
		configFileSet bool
		configFile    = app.Flag("config.file", "Configuration file.").Default("mcp_exporter.yml").IsSetByUser(&configFileSet).String()
		configCheck   = app.Flag("config.check", "Validate the configuration file, then exit: 0 if it is valid, 1 if not.").Default("false").Bool()
		timeoutOffset = app.Flag("timeout-offset", "Seconds taken off Prometheus' scrape timeout to allow for network latency.").Default("0.5").Float64()
		maxInFlight   = app.Flag("probe.max-concurrency", "Most probes run at once; more are answered 503 at once and counted in mcp_exporter_probes_rejected_total. 0 means no limit.").Default("1000").Uint()
		historyLimit  = app.Flag("history.limit", "How many recent probes (and, separately, recent failed probes) to keep for the landing page and /logs.").Default("100").Uint()
		logProber     = app.Flag("log.prober", "Level at which probe log lines reach the exporter's log. One of: [debug, info, warn, error]").Default("debug").Enum("debug", "info", "warn", "error")
		externalURL   = app.Flag("web.external-url", "The URL under which the exporter is reached from outside (for example behind a reverse proxy). Its path is the default route prefix.").PlaceHolder("<url>").String()
		routePrefix   = app.Flag("web.route-prefix", "Prefix for the exporter's HTTP endpoints. Defaults to the path of --web.external-url.").PlaceHolder("<path>").String()
		autoMemLimit  = app.Flag("auto-gomemlimit", "Set GOMEMLIMIT to --auto-gomemlimit.ratio of the container's memory limit (cgroup v1 or v2), or of the machine's memory without one, so that the garbage collector keeps the exporter inside it. A GOMEMLIMIT environment variable wins; --no-auto-gomemlimit turns it off.").Default("true").Bool()
		memLimitRatio = app.Flag("auto-gomemlimit.ratio", "The share of the memory limit that --auto-gomemlimit gives to GOMEMLIMIT, greater than 0 and at most 1.").Default(strconv.FormatFloat(defaultMemLimitRatio, 'f', -1, 64)).Float64()
		webFlags      = kingpinflag.AddFlags(app, defaultListenAddress)
	)
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	var logLevelSet bool
	app.GetFlag("log.level").IsSetByUser(&logLevelSet)
	app.Version(version.Print("mcp_exporter"))
	app.HelpFlag.Short('h')

	app.Command("serve", "Serve /probe and the exporter's own endpoints (the default).").Default()
	checkCmd := app.Command("check", "Probe one target, or the stdio server whose command and arguments follow --, once (retrying with --wait), print the result and exit: "+
		"0 if the probe succeeded, 1 if it failed, 2 for a configuration or usage error. "+
		"Without a configuration file, the built-in default module is used.")
	check := checkOptions{
		module: checkCmd.Flag("module", "Module to probe with.").Default(config.DefaultModuleName).String(),
		wait:   checkCmd.Flag("wait", "Retry until the probe succeeds or this much time has passed (e.g. 60s); 0 probes once.").Default("0s").Duration(),
		output: checkCmd.Flag("output", "Output format: table or json.").Default("table").Enum("table", "json"),
		target: checkCmd.Arg("target", "The MCP endpoint URL; or, after --, the command and arguments of a stdio server (mcp_exporter check -- npx -y @modelcontextprotocol/server-everything stdio).").String(),
	}
	args, check.command = splitCheckCommand(args)

	command, err := app.Parse(args)
	if exited >= 0 {
		return exited
	}
	if err != nil {
		help := "mcp_exporter --help"
		if pc, _ := app.ParseContext(args); pc != nil && pc.SelectedCommand == checkCmd {
			help = "mcp_exporter check --help"
		}
		fmt.Fprintf(stderr, "mcp_exporter: %s; see %s\n", err, help)
		return 2
	}
	if err := checkMemLimitRatio(*memLimitRatio); err != nil {
		fmt.Fprintf(stderr, "mcp_exporter: %s; see mcp_exporter --help\n", err)
		return 2
	}
	logger := promslog.New(logConfig)
	if command == checkCmd.FullCommand() {
		check.configFile, check.configFileSet = *configFile, configFileSet
		// A probe's own log is for --log.level: by default check prints
		// one line per failed attempt and the result.
		probeLogger := promslog.NewNopLogger()
		if logLevelSet {
			probeLogger = logger
		}
		// Interrupted, the probe ends at once, and with it a stdio
		// server (in a process group of its own, it sees no terminal's
		// signal).
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runCheck(ctx, check, stdout, stderr, probeLogger)
	}

	if path := os.Getenv("MCP_EXPORTER_CPUPROFILE"); path != "" && !*configCheck {
		// For profiling (docs/performance.md; go run ./bench -cpuprofile sets it):
		// profiles the whole run, written when the exporter exits.
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			logger.Error("starting the CPU profile", "err", err)
			return 1
		}
		defer stopProfile()
	}

	cfg, err := config.Load(*configFile)
	if err != nil {
		if *configCheck {
			fmt.Fprintf(os.Stderr, "configuration is invalid: %s\n", err)
			return 1
		}
		logger.Error("error loading the configuration", "err", err)
		return 1
	}
	if *configCheck {
		registries := ""
		if n := len(cfg.Registries); n > 0 {
			registries = fmt.Sprintf(", %d registry(ies)", n)
		}
		if cfg.Tracing != nil {
			registries += ", tracing to " + cfg.Tracing.Endpoint
		}
		fmt.Printf("configuration %s is valid: %d module(s)%s\n", *configFile, len(cfg.Modules), registries)
		return 0
	}

	prefix, err := computeRoutePrefix(*routePrefix, *externalURL)
	if err != nil {
		logger.Error("invalid --web.external-url", "err", err)
		return 1
	}
	var proberLevel slog.Level
	_ = proberLevel.UnmarshalText([]byte(*logProber))

	registry := newRegistry()
	e := newExporter(exporterOptions{
		configFile:    *configFile,
		config:        cfg,
		logger:        logger,
		proberLevel:   proberLevel,
		timeoutOffset: time.Duration(*timeoutOffset * float64(time.Second)),
		historyLimit:  int(*historyLimit),
		maxInFlight:   int(*maxInFlight),
		routePrefix:   prefix,
		registry:      registry,
	})
	defer e.sd.Stop()
	if err := e.applyTracing(cfg.Tracing); err != nil {
		logger.Error("setting up tracing", "err", err)
		return 1
	}
	defer e.stopTracing()
	handler, err := e.routes()
	if err != nil {
		logger.Error("setting up the HTTP endpoints", "err", err)
		return 1
	}

	logger.Info("starting mcp_exporter", "version", version.Info(), "build_context", version.BuildContext())
	setMemoryLimit(memLimitOptions{auto: *autoMemLimit, ratio: *memLimitRatio, cgroup: memlimit.FromCgroup, system: memlimit.FromSystem}, logger)
	logger.Info("loaded the configuration", "file", *configFile, "modules", len(cfg.Modules))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			_ = e.reload()
		}
	}()

	server := newHTTPServer(handler, defaultServerLimits)
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(server, webFlags, logger) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("serving HTTP failed", "err", err)
			return 1
		}
	case <-ctx.Done():
		logger.Info("shutting down; letting probes in flight finish")
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := server.Shutdown(sctx); err != nil {
			logger.Error("shutdown did not complete", "err", err)
			return 1
		}
	}
	return 0
}

// splitCheckCommand takes the command of a stdio server off the check
// command's arguments: everything after the first "--" that follows
// "check". Other arguments are left to kingpin.
func splitCheckCommand(args []string) (rest, command []string) {
	checkAt := -1
	for i, a := range args {
		if a == "check" && checkAt < 0 {
			checkAt = i
		}
		if a == "--" && checkAt >= 0 {
			return args[:i], args[i+1 : len(args) : len(args)]
		}
	}
	return args, nil
}

// usageTemplate is kingpin's default, but a command's help lists its own
// flags first and the exporter's after them.
var usageTemplate = strings.Replace(kingpin.DefaultUsageTemplate, `{{if .Context.Flags -}}
Flags:
{{.Context.Flags|FlagsToTwoColumns|FormatTwoColumns}}
{{end -}}`, `{{if and .Context.SelectedCommand .Context.SelectedCommand.Flags -}}
Flags:
{{.Context.SelectedCommand.Flags|FlagsToTwoColumns|FormatTwoColumns}}
Global flags:
{{.App.Flags|FlagsToTwoColumns|FormatTwoColumns}}
{{else if .Context.Flags -}}
Flags:
{{.Context.Flags|FlagsToTwoColumns|FormatTwoColumns}}
{{end -}}`, 1)

// serverLimits are the exporter's own HTTP server's timeouts and header
// bound.
type serverLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// defaultServerLimits: a client has 10 s to send its headers and 30 s for
// the whole request, the exporter 60 s to write an answer, and an idle
// keep-alive connection is closed after 2 minutes (longer than the usual
// scrape interval, so that Prometheus reuses its connections). /probe
// lifts the read and write deadlines for its probe (prober.Handler): a
// probe may run longer than both, up to its module's timeout. Headers and
// request line may take 64 KiB (a target is at most 4 KiB).
var defaultServerLimits = serverLimits{
	readHeader:     10 * time.Second,
	read:           30 * time.Second,
	write:          60 * time.Second,
	idle:           2 * time.Minute,
	maxHeaderBytes: 64 << 10,
}

// newHTTPServer is the exporter's own HTTP server.
func newHTTPServer(handler http.Handler, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
}

// newRegistry is the registry behind /metrics, with the build info and the
// Go and process collectors; the exporter adds its own metrics to it.
func newRegistry() *prometheus.Registry {
	registry := prometheus.NewRegistry()
	registry.MustRegister(
		versioncollector.NewCollector("mcp_exporter"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return registry
}

// startCPUProfile writes a CPU profile to path until the returned stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// computeRoutePrefix chooses the route prefix: the flag if given, else the
// path of the external URL; "" means the root.
func computeRoutePrefix(prefix, externalURL string) (string, error) {
	if prefix == "" && externalURL != "" {
		u, err := url.Parse(externalURL)
		if err != nil {
			return "", err
		}
		prefix = u.Path
	}
	prefix = strings.TrimRight(prefix, "/")
	if prefix != "" && !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}
	return prefix, nil
}
