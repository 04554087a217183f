import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DefinitionError, parseCheckDefinition, parseServiceDefinition } from '../../../src/shared/definitions.js';
import { formatDuration, parseDuration } from '../../../src/shared/duration.js';

describe('service definitions', () => {
  it('accepts Consul config-file snake_case and API CamelCase alike', () => {
    const snake = parseServiceDefinition({
      name: 'web', id: 'web-1', port: 80, tags: ['a'], enable_tag_override: true,
      tagged_addresses: { lan: { address: '10.0.0.1', port: 80 } }, meta: { Version_Tag: 'x' },
      check: { http: 'http://127.0.0.1/health', interval: '10s', deregister_critical_service_after: '1m' },
    });
    const camel = parseServiceDefinition({
      Name: 'web', ID: 'web-1', Port: 80, Tags: ['a'], EnableTagOverride: true,
      TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } }, Meta: { Version_Tag: 'x' },
      Check: { HTTP: 'http://127.0.0.1/health', Interval: '10s', DeregisterCriticalServiceAfter: '1m' },
    });
    assert.deepEqual(snake, camel);
    assert.deepEqual(snake.Meta, { Version_Tag: 'x' }, 'meta keys are user data, never renamed');
    assert.equal(snake.Checks[0]?.CheckID, 'service:web-1');
    assert.equal(snake.Checks[0]?.Name, "Service 'web' check");
    assert.equal(snake.Checks[0]?.Kind, 'http');
  });

  it('defaults ID to Name, weights to 1/1, numbers several checks', () => {
    const s = parseServiceDefinition({ Name: 'db', Checks: [{ TTL: '5s' }, { TCP: '127.0.0.1:5432', Interval: '5s' }] });
    assert.equal(s.ID, 'db');
    assert.deepEqual(s.Weights, { Passing: 1, Warning: 1 });
    assert.deepEqual(s.Checks.map((c) => c.CheckID), ['service:db:1', 'service:db:2']);
    assert.deepEqual(s.Checks.map((c) => c.Status), ['critical', 'critical']);
  });

  it('says what is wrong, naming the field', () => {
    assert.throws(() => parseServiceDefinition({ Port: 80 }), /Name/);
    assert.throws(() => parseServiceDefinition({ Name: 'x', Port: 'eighty' }), /service\.Port: Expected number/);
    assert.throws(() => parseServiceDefinition({ Name: 'x', Prot: 1 }), /unknown field "Prot"/);
    assert.throws(() => parseServiceDefinition({ Name: 'x', Check: { TTL: 'soon' } }), /TTL: must be a duration/);
    assert.throws(() => parseServiceDefinition('web'), DefinitionError);
  });
});

describe('check definitions', () => {
  it('needs exactly one of TTL/HTTP/TCP, and an interval for HTTP/TCP', () => {
    assert.throws(() => parseCheckDefinition({ Name: 'x' }), /exactly one of TTL, HTTP, TCP, Args \(script\), GRPC or AliasService\/AliasNode/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', TTL: '1s', TCP: 'a:1' }), /exactly one/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', TCP: 'a:1' }), /need an Interval/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', Args: ['/bin/true'] }), /script checks need an Interval/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', GRPC: 'localhost:1', GRPCUseTLS: true, Interval: '1s' }), /GRPCUseTLS: gRPC checks over TLS are not supported/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', GRPC: 'nohost', Interval: '1s' }), /GRPC: expected "host:port"/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', Script: 'curl x', Interval: '1s' }), /Script .* is not supported; give the command as Args/);
    assert.throws(() => parseCheckDefinition({ Name: 'x', Args: [], Interval: '1s' }), /needs a command/);
    const c = parseCheckDefinition({ name: 'mem', ttl: '30s', status: 'passing', notes: 'n' });
    assert.equal(c.CheckID, 'mem');
    assert.equal(c.Status, 'passing');
    assert.equal(parseCheckDefinition({ Name: 'x', TTL: '1s', FailuresBeforeCritical: 3 }).FailuresBeforeWarning, 3);
  });
});

describe('durations', () => {
  it('parses Go-style durations and prints them back', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2'), 2_000);
    assert.throws(() => parseDuration('10 s'), /invalid duration/);
    assert.throws(() => parseDuration('s'), /invalid duration/);
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(250), '250ms');
  });
});

describe('fields Consul clients send that roster does not act on', () => {
  it('are accepted and ignored, while a typo is still an error', () => {
    const s = parseServiceDefinition({ Name: 'x', Connect: null, Proxy: {}, SidecarService: null, Check: { TTL: '1s', OutputMaxSize: 10 } });
    assert.equal(s.Name, 'x');
    assert.throws(() => parseServiceDefinition({ Name: 'x', Tgas: [] }), /unknown field "Tgas"/);
  });
});

describe('check kinds beyond TTL/HTTP/TCP', () => {
  it('parses script, gRPC and alias checks with Consul keys in any case', () => {
    const script = parseCheckDefinition({ name: 'disk', args: ['/usr/bin/check_disk', '-w', '80'], interval: '30s' });
    assert.equal(script.Kind, 'script');
    assert.deepEqual(script.Args, ['/usr/bin/check_disk', '-w', '80']);
    assert.deepEqual(parseCheckDefinition({ Name: 'old', ScriptArgs: ['/bin/true'], Interval: '5s' }).Args, ['/bin/true']);
    const grpc = parseCheckDefinition({ name: 'g', grpc: '127.0.0.1:9000/my.Service', interval: '10s', grpc_use_tls: false });
    assert.equal(grpc.Kind, 'grpc');
    assert.equal(grpc.GRPC, '127.0.0.1:9000/my.Service');
    const alias = parseCheckDefinition({ name: 'a', alias_service: 'web', alias_node: 'n2' });
    assert.deepEqual([alias.Kind, alias.AliasService, alias.AliasNode, alias.Interval], ['alias', 'web', 'n2', '']);
    const http = parseCheckDefinition({ name: 'h', http: 'http://x/', interval: '1s', disable_redirects: true, header: { 'X-A': ['1', '2'] } });
    assert.equal(http.DisableRedirects, true);
    assert.deepEqual(http.Header, { 'X-A': ['1', '2'] });
    assert.throws(() => parseCheckDefinition({ Name: 'x', Args: ['/bin/true'], TTL: '1s', Interval: '1s' }), /exactly one/);
  });
});
