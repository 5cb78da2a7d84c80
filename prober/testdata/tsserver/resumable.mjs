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

// A stateful MCP server from the official TypeScript SDK whose SSE streams
// are resumable (an event store, priming events with a retry interval),
// and whose tools/list closes the response's stream CLOSES times before it
// answers, as SEP-1699 (2025-11-25) lets a server do: the client must
// resume the stream with GET and Last-Event-ID to get the response.
//
// It listens on 127.0.0.1 on a free port and prints "listening <port>".
// Environment: CLOSES (default 1), RETRY_MS (default 100).

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const closes = Number(process.env.CLOSES ?? '1');
const retryMs = Number(process.env.RETRY_MS ?? '100');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function newServer() {
  const server = new Server({ name: 'ts-resumable', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    for (let i = 0; i < closes; i++) {
      // Close the stream; the client reconnects after retryMs and
      // waits on the resumed stream.
      extra.closeSSEStream?.();
      await sleep(retryMs * 5);
    }
    return {
      tools: [{ name: 'echo', description: 'Echoes its input.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }],
    };
  });
  return server;
}

const transports = new Map(); // by session id

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports.get(sid) : undefined;
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    if (!transport && req.method === 'POST' && body?.method === 'initialize') {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(),
        retryInterval: retryMs,
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await newServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: Server not initialized' }, id: null }));
      return;
    }
    await transport.handleRequest(req, res, body);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) {
      res.writeHead(500);
      res.end();
    }
  }
});

httpServer.listen(0, '127.0.0.1', () => {
  console.log(`listening ${httpServer.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
