// What every command shares: where it finds the agent, how it fails, and what --json means.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBuilt, runCli } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';
import { closedPort } from '../../helpers/ports.js';


const unreachableLine = (port: number) =>
  `Error: cannot reach a roster agent at http://127.0.0.1:${port} (connect ECONNREFUSED); start one with "roster agent -dev" or set --http-addr / ROSTER_HTTP_ADDR\n`;

describe('CLI conventions', () => {
  let agent: FakeAgent;
  let dead: string;
  let deadPort: number;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
    deadPort = await closedPort();
    dead = `127.0.0.1:${deadPort}`;
  });
  after(() => agent.close());
  beforeEach(() => {
    agent.reset();
    agent.on('GET', '/v1/agent/services', { body: {} });
  });

  describe('finding the agent', () => {
    test('-http-addr in single-dash form, with = or a separate value', async () => {
      for (const args of [[`-http-addr=${agent.addr}`], ['-http-addr', agent.addr], [`--http-addr=http://${agent.addr}`]]) {
        const r = await runCli(['services', ...args]);
        assert.equal(r.code, 0, args.join(' '));
      }
      assert.equal(agent.requests.length, 3);
    });

    test('ROSTER_HTTP_ADDR is used when the flag is absent and wins over CONSUL_HTTP_ADDR', async () => {
      const r = await runCli(['services'], { env: { ROSTER_HTTP_ADDR: agent.addr, CONSUL_HTTP_ADDR: dead } });
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(agent.requests.length, 1);
    });

    test('CONSUL_HTTP_ADDR is the fallback, scheme included', async () => {
      const r = await runCli(['services'], { env: { CONSUL_HTTP_ADDR: `http://${agent.addr}` } });
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(agent.requests.length, 1);
    });

    test('the flag wins over both variables', async () => {
      const r = await runCli(['services', '-http-addr', agent.addr], { env: { ROSTER_HTTP_ADDR: dead, CONSUL_HTTP_ADDR: dead } });
      assert.deepEqual([r.code, r.stderr], [0, '']);
    });
  });

  describe('failures', () => {
    test('an unreachable agent: exactly one line naming the address, exit 1, nothing on stdout', async () => {
      for (const args of [['members'], ['kv', 'get', 'k'], ['services', 'register', '--name', 'web'], ['leave']]) {
        const r = await runCli([...args, '-http-addr', dead]);
        assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', unreachableLine(deadPort)], args.join(' '));
      }
    });

    test('the environment address is the one named', async () => {
      const r = await runCli(['members'], { env: { CONSUL_HTTP_ADDR: dead } });
      assert.deepEqual([r.code, r.stderr], [1, unreachableLine(deadPort)]);
    });

    test('with --json the error is also a JSON object on stdout', async () => {
      const r = await runCli(['members', '--json', '-http-addr', dead]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, unreachableLine(deadPort));
      assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'UNAVAILABLE', message: unreachableLine(deadPort).slice('Error: '.length, -1) } });
    });

    test('an invalid address is a one-line error', async () => {
      const r = await runCli(['members', '-http-addr', 'unix:///tmp/roster.sock']);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: unix socket addresses are not supported: unix:///tmp/roster.sock\n']);
    });

    test('usage errors are one line, exit 1 (not oclif\'s 2), with no stack trace', async () => {
      const cases: [string[], string][] = [
        [['members', '-bogus'], 'Error: Nonexistent flag: --bogus (see "roster members --help")\n'],
        [['leave', 'now'], 'Error: Unexpected argument: now (see "roster leave --help")\n'],
        [['members', 'extra'], 'Error: Unexpected argument: extra (see "roster members --help")\n'],
        [['kv', 'put'], 'Error: Missing 1 required arg: key Key to write. (see "roster kv put --help")\n'],
        [['services', 'register', '-port=99999', '-name=x'], 'Error: Parsing --port Expected an integer less than or equal to 65535 but received: 99999 (see "roster services register --help")\n'],
      ];
      for (const [args, stderr] of cases) {
        const r = await runCli([...args, '-http-addr', agent.addr]);
        assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', stderr], args.join(' '));
      }
      assert.equal(agent.requests.length, 0);
    });

    test('an unknown command is one line, exit 1', async () => {
      for (const [args, name] of [[['bogus'], 'bogus'], [['kv', 'nope', 'x'], 'kv nope x']] as const) {
        const r = await runCli([...args]);
        assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `Error: unknown command "${name}"; run "roster --help" to list the commands\n`]);
      }
    });
  });

  describe('--json', () => {
    test('ROSTER_CONTENT_TYPE=json turns JSON output on like --json', async () => {
      agent.on('GET', '/v1/agent/services', { body: { web: { ID: 'web', Service: 'web', Tags: [], Meta: {}, Port: 80, Address: '' } } });
      const r = await runCli(['services', '-http-addr', agent.addr], { env: { ROSTER_CONTENT_TYPE: 'json' } });
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.stdout), [{ ID: 'web', Service: 'web', Tags: [], Meta: {}, Port: 80, Address: '' }]);
    });

    test('help lists --http-addr and --json under GLOBAL FLAGS', async () => {
      const r = await runCli(['kv', 'get', '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /GLOBAL FLAGS\n\s+--http-addr=<address>\s+\[default: 127\.0\.0\.1:8500, env: ROSTER_HTTP_ADDR\][\s\S]*--json/);
    });
  });
});
