import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load, loadError, workdir } from './fixture.js';

// A service file as Consul's docs write it: snake_case keys, one service with a check.
const CONSUL_SERVICE_FILE = {
  service: {
    id: 'web-1',
    name: 'web',
    tags: ['v1', 'primary'],
    address: '10.0.0.5',
    port: 8080,
    meta: { version: '1.2.3' },
    enable_tag_override: true,
    tagged_addresses: { lan: { address: '10.0.0.5', port: 8080 } },
    weights: { passing: 10, warning: 1 },
    check: { http: 'http://localhost:8080/health', interval: '10s', timeout: '1s', deregister_critical_service_after: '90m' },
  },
};

describe('service and check definitions in config files', () => {
  it('loads a Consul service definition with snake_case keys and its check', async () => {
    const cwd = workdir({ 'conf.d/web.json': CONSUL_SERVICE_FILE });
    const { config } = await load({ dev: true, 'config-dir': ['conf.d'] }, cwd);
    assert.equal(config.services.length, 1);
    const web = config.services[0]!;
    assert.equal(web.ID, 'web-1');
    assert.equal(web.Name, 'web');
    assert.deepEqual(web.Tags, ['v1', 'primary']);
    assert.equal(web.Port, 8080);
    assert.deepEqual(web.Meta, { version: '1.2.3' });
    assert.equal(web.EnableTagOverride, true);
    assert.deepEqual(web.TaggedAddresses, { lan: { Address: '10.0.0.5', Port: 8080 } });
    assert.deepEqual(web.Weights, { Passing: 10, Warning: 1 });
    assert.equal(web.Checks.length, 1);
    const check = web.Checks[0]!;
    assert.equal(check.CheckID, 'service:web-1');
    assert.equal(check.Name, "Service 'web' check");
    assert.equal(check.Kind, 'http');
    assert.equal(check.Interval, '10s');
    assert.equal(check.DeregisterCriticalServiceAfter, '90m');
  });

  it('appends services and checks across files, service before services', async () => {
    const cwd = workdir({
      'a.yaml': 'service: {name: api, port: 9000}\nservices:\n  - {name: db, port: 5432}\n',
      'b.json': {
        services: [{ name: 'cache', port: 6379, checks: [{ tcp: 'localhost:6379', interval: '5s' }, { ttl: '30s' }] }],
        check: { id: 'mem', name: 'Memory', ttl: '1m' },
        checks: [{ name: 'disk', http: 'http://localhost:9100/disk', interval: '30s', service_id: 'db' }],
      },
    });
    const { config } = await load({ dev: true, 'config-file': ['a.yaml', 'b.json'] }, cwd);
    assert.deepEqual(config.services.map((s) => s.ID), ['api', 'db', 'cache']);
    assert.deepEqual(config.services[2]!.Checks.map((c) => c.CheckID), ['service:cache:1', 'service:cache:2']);
    assert.deepEqual(config.checks.map((c) => [c.CheckID, c.ServiceID, c.Kind]), [
      ['mem', '', 'ttl'],
      ['disk', 'db', 'http'],
    ]);
  });

  it('warns when a later file redefines a service ID', async () => {
    const cwd = workdir({ 'a.json': { service: { name: 'web', port: 1 } }, 'b.json': { service: { name: 'web', port: 2 } } });
    const { config, notes } = await load({ dev: true, 'config-file': ['a.json', 'b.json'] }, cwd);
    assert.equal(config.services.length, 2);
    assert.deepEqual(notes, [{ level: 'warn', message: 'b.json: services[0]: service ID "web" is defined twice; the later definition wins' }]);
  });

  it('prefixes a definition error with the file name', async () => {
    const cwd = workdir({
      'bad.json': { services: [{ name: 'ok' }, { name: 'web', check: { interval: '10s' } }] },
      'typo.json': { service: { name: 'web', prot: 80 } },
    });
    assert.equal(
      await loadError({ dev: true, 'config-file': ['bad.json'] }, cwd),
      'bad.json: services[1].Checks[0]: a check needs exactly one of TTL, HTTP, TCP, Args (script), GRPC or AliasService/AliasNode',
    );
    assert.equal(await loadError({ dev: true, 'config-file': ['typo.json'] }, cwd), 'typo.json: service: unknown field "prot"');
  });

  it('a service must be an object and services a list', async () => {
    assert.equal(await loadError({ dev: true }, workdir({ 'roster.config.json': { service: [] } })), 'roster.config.json: service: expected an object, got a list');
    assert.equal(await loadError({ dev: true }, workdir({ 'roster.config.json': { services: {} } })), 'roster.config.json: services: expected a list, got an object');
  });

  it('enable_script_checks / enable_local_script_checks (files or flags) allow script checks', async () => {
    const cwd = workdir({ 'local.json': { enable_local_script_checks: true, service: { name: 'web', check: { args: ['/bin/check'], interval: '10s' } } } });
    const { config } = await load({ dev: true, 'config-file': ['local.json'] }, cwd);
    assert.deepEqual([config.enableScriptChecks, config.enableLocalScriptChecks], [false, true]);
    assert.deepEqual(config.services[0]!.Checks[0]!.Args, ['/bin/check']);
    const flagged = await load({ dev: true, 'enable-script-checks': true }, workdir({}));
    assert.deepEqual([flagged.config.enableScriptChecks, flagged.config.enableLocalScriptChecks], [true, false]);
    const none = await load({ dev: true }, workdir({}));
    assert.deepEqual([none.config.enableScriptChecks, none.config.enableLocalScriptChecks], [false, false]);
    assert.equal(
      await loadError({ dev: true }, workdir({ 'roster.config.json': { auto_reload_config: true } })),
      'roster.config.json: auto_reload_config: not supported by roster: watching config files is not supported; run "roster reload" or send the agent SIGHUP',
    );
  });
});
