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

package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/alecthomas/units"
)

// defaultMemLimitRatio is the share of the memory limit given to
// GOMEMLIMIT, Prometheus' default: the rest is for what the Go runtime
// does not count (thread stacks, cgo, fragmentation).
const defaultMemLimitRatio = 0.9

// memLimitOptions say how GOMEMLIMIT is set at start-up:
// --auto-gomemlimit and --auto-gomemlimit.ratio, and where the limit
// comes from.
type memLimitOptions struct {
	auto  bool
	ratio float64
	// cgroup and system give the container's and the machine's memory;
	// memlimit.FromCgroup and memlimit.FromSystem outside tests.
	cgroup, system memlimit.Provider
}

// checkMemLimitRatio refuses a ratio outside (0, 1].
func checkMemLimitRatio(ratio float64) error {
	if math.IsNaN(ratio) || ratio <= 0 || ratio > 1 {
		return fmt.Errorf("--auto-gomemlimit.ratio must be greater than 0 and at most 1, got %v", ratio)
	}
	return nil
}

// setMemoryLimit sets GOMEMLIMIT to the ratio of the container's memory
// limit (cgroup v1 or v2), or of the machine's memory when the cgroup sets
// none, as Prometheus does; a GOMEMLIMIT environment variable wins (and so
// does automemlimit's AUTOMEMLIMIT, "off" or a ratio). It logs one line
// saying what is in force.
func setMemoryLimit(o memLimitOptions, logger *slog.Logger) {
	if !o.auto {
		logger.Info("GOMEMLIMIT not set from the memory limit (--no-auto-gomemlimit)", "gomemlimit", limitString(currentMemoryLimit()))
		return
	}
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		logger.Info("GOMEMLIMIT environment variable in force", "gomemlimit", v)
		return
	}
	source := "cgroup"
	provider := memlimit.ApplyFallback(o.cgroup, func() (uint64, error) {
		source = "system memory"
		return o.system()
	})
	limit, err := memlimit.Set(memlimit.WithRatio(o.ratio), memlimit.WithProvider(provider))
	switch {
	case err != nil:
		logger.Warn("GOMEMLIMIT could not be set from the memory limit", "err", err, "gomemlimit", limitString(limit))
	case os.Getenv("AUTOMEMLIMIT") == "off":
		logger.Info("GOMEMLIMIT not set from the memory limit (AUTOMEMLIMIT=off)", "gomemlimit", limitString(limit))
	case limit == math.MaxInt64:
		logger.Info("GOMEMLIMIT not set: no memory limit found", "gomemlimit", limitString(limit))
	default:
		attrs := []any{"gomemlimit", limitString(limit), "gomemlimit_bytes", limit, "from", source, "ratio", o.ratio}
		if v := os.Getenv("AUTOMEMLIMIT"); v != "" {
			attrs = append(attrs, "AUTOMEMLIMIT", v) // overrides the ratio
		}
		logger.Info("GOMEMLIMIT set from the memory limit", attrs...)
	}
}

// currentMemoryLimit is the Go runtime's memory limit, unchanged.
func currentMemoryLimit() int64 { return debug.SetMemoryLimit(-1) }

// limitString says a memory limit in binary units, "none" for no limit.
func limitString(limit int64) string {
	if limit <= 0 || limit == math.MaxInt64 {
		return "none"
	}
	if limit < 10<<20 {
		return units.Base2Bytes(limit).String()
	}
	return fmt.Sprintf("%.0fMiB", float64(limit)/(1<<20))
}
