#!/usr/bin/env node
// Adapter that lets `mcp_exporter check` be the client under test of the MCP
// conformance suite (@modelcontextprotocol/conformance, `conformance client`).
//
// The suite runs `<command> <server URL>` with MCP_CONFORMANCE_SCENARIO set to
// the scenario's name and, for auth scenarios, MCP_CONFORMANCE_CONTEXT to a
// JSON object holding the credentials: client_id plus client_secret, or
// private_key_pem and signing_algorithm (private_key_jwt). This script turns
// that into a one-module exporter configuration in a temporary directory and
// runs `mcp_exporter check --config.file <it> --module conformance <URL>`; its
// exit code is check's (0: the probe succeeded).
//
// The binary is $MCP_EXPORTER (default: mcp_exporter on PATH).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const target = process.argv[2];
if (!target) {
  console.error('usage: client.mjs <MCP server URL>');
  process.exit(2);
}
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = process.env.MCP_CONFORMANCE_CONTEXT
  ? JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT)
  : {};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const dir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));

const module = {};
if (context.client_id) {
  // The suite's mock authorization server listens on a random loopback port,
  // named only in the protected resource metadata: discovery finds it, and
  // oauth2_issuers admit loopback issuers and nothing else.
  module.allowed_targets = [escape(target)];
  module.oauth2_discovery = true;
  module.oauth2_issuers = ['http://(localhost|127\\.0\\.0\\.1|\\[::1\\]):[0-9]+(/.*)?'];
  const oauth2 = { client_id: context.client_id };
  if (context.client_secret !== undefined) {
    oauth2.client_secret = context.client_secret;
  }
  if (context.private_key_pem !== undefined) {
    const keyFile = join(dir, 'client-key.pem');
    writeFileSync(keyFile, context.private_key_pem, { mode: 0o600 });
    module.oauth2_client_assertion = {
      key_file: keyFile,
      algorithm: context.signing_algorithm ?? 'ES256'
    };
  }
  module.http_config = { oauth2 };
}

// JSON is YAML: the configuration is written as JSON.
const configFile = join(dir, 'mcp_exporter.yml');
writeFileSync(
  configFile,
  JSON.stringify({ modules: { conformance: module } }, null, 2) + '\n',
  { mode: 0o600 }
);

const binary = process.env.MCP_EXPORTER || 'mcp_exporter';
const args = [
  'check',
  `--config.file=${configFile}`,
  '--module=conformance',
  '--log.level=debug',
  target
];
console.error(`conformance adapter: scenario ${scenario || '(none)'}: ${binary} ${args.join(' ')}`);
const result = spawnSync(binary, args, { stdio: 'inherit' });
rmSync(dir, { recursive: true, force: true });
if (result.error) {
  console.error(`conformance adapter: ${binary}: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status ?? 1);
