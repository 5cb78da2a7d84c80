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

// Command stackbudget is the exporter side of prober's
// TestProbeStackBudget: the /probe handler on an HTTP server of its own,
// and /max-stack, which caps every goroutine's stack at the budget
// (debug.SetMaxStack), so that a probe that needs more crashes the process
// and prints where. It is a command of its own so that the tests build it
// without the race detector, whose frames are larger. It prints its
// address and serves until its stdin closes.
//
// Modules: default, and bearer (the default with the bearer token given as
// the first argument, any target allowed).
package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/prober"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stackbudget <bearer token> <stack budget in bytes>")
		os.Exit(2)
	}
	budget, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackbudget:", err)
		os.Exit(2)
	}
	bearer := config.DefaultModule
	bearer.HTTPClientConfig.Authorization = &promconfig.Authorization{Type: "Bearer", Credentials: promconfig.Secret(os.Args[1])}
	bearer.AllowAnyTarget = true // the test's servers listen on loopback ports of their own
	h := &prober.Handler{
		Config:      config.NewSafeConfig(&config.Config{Modules: map[string]config.Module{config.DefaultModuleName: config.DefaultModule, "bearer": bearer}}),
		Prober:      prober.New(),
		History:     prober.NewHistory(100),
		Metrics:     prober.NewExporterMetrics(prometheus.NewRegistry()),
		Logger:      slog.New(slog.DiscardHandler),
		ProberLevel: slog.LevelDebug,
	}
	mux := http.NewServeMux()
	mux.Handle("/probe", h)
	mux.HandleFunc("/max-stack", func(http.ResponseWriter, *http.Request) { debug.SetMaxStack(budget) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackbudget:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	fmt.Println(l.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}
