// The local agent's health-check features end to end against a real catalog: alias checks,
// DeregisterCriticalServiceAfter, service maintenance, script-check policy, thresholds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { aliasVerdict } from '../../../src/agent/checks/alias.js';
import { startMonitor } from '../../../src/agent/checks/runner.js';
import { type LocalAgentDeps } from '../../../src/agent/local-agent.js';
import { testLocalAgent } from '../../helpers/local-agent.js';
import { parseCheckDefinition, parseServiceDefinition } from '../../../src/shared/definitions.js';
import { seededRandom } from '../../../src/shared/random.js';
import { checkInput, nodeInput, serviceInput } from '../../helpers/catalog.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { closedPort } from '../../helpers/ports.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(extra: Partial<LocalAgentDeps> = {}) {
  const { agent, clock, state, ...catalog } = testLocalAgent(extra);
  const status = (id: string) => agent.checks()[id]?.Status;
  const output = (id: string) => agent.checks()[id]?.Output;
  return { ...catalog, clock, agent, state, status, output };
}

describe('alias checks', () => {
  it('the verdict follows Consul: worst check wins, node checks count, a missing service is critical', () => {
    const c = (CheckID: string, ServiceID: string, Status: 'passing' | 'warning' | 'critical', Output = '') => ({ CheckID, Name: CheckID, ServiceID, Status, Output });
    const exists = () => true;
    const target = { node: 'n1', serviceId: 'web' };
    assert.deepEqual(aliasVerdict([], target, exists), { status: 'passing', output: 'No checks found.' });
    assert.deepEqual(aliasVerdict([c('a', 'web', 'passing'), c('b', 'db', 'critical')], target, exists), { status: 'passing', output: 'All checks passing.' });
    assert.deepEqual(aliasVerdict([c('a', 'web', 'warning', 'slow'), c('b', 'web', 'passing')], target, exists), { status: 'warning', output: 'Aliased check "a" failing: slow' });
    assert.deepEqual(aliasVerdict([c('node', '', 'critical', 'down'), c('a', 'web', 'passing')], target, exists).status, 'critical');
    assert.deepEqual(aliasVerdict([], target, () => false), { status: 'critical', output: 'Service web could not be found on node n1' });
  });

  it('a local alias mirrors the aliased service as its checks change, and goes critical when it is deregistered', async () => {
    const { agent, status, output } = setup();
    await agent.registerService(parseServiceDefinition({ Name: 'web', Check: { CheckID: 'web-ttl', TTL: '1m' } }), { replaceExistingChecks: false });
    await agent.registerService(
      parseServiceDefinition({ Name: 'sidecar', Check: { CheckID: 'sidecar-alias', AliasService: 'web' } }),
      { replaceExistingChecks: false },
    );
    await flush();
    assert.equal(status('sidecar-alias'), 'critical');
    assert.equal(output('sidecar-alias'), 'Aliased check "Service \'web\' check" failing: ');
    await agent.updateTtlCheck('web-ttl', 'passing', 'ok');
    await flush();
    assert.deepEqual([status('sidecar-alias'), output('sidecar-alias')], ['passing', 'All checks passing.']);
    await agent.updateTtlCheck('web-ttl', 'warning', 'slow');
    await flush();
    assert.equal(status('sidecar-alias'), 'warning');
    await agent.deregisterService('web');
    await flush();
    assert.deepEqual([status('sidecar-alias'), output('sidecar-alias')], ['critical', 'Service web could not be found on node ']);
    agent.stopChecks();
  });

  it('alias_node follows another node in the catalog through its watches', async () => {
    const { agent, log, status, store } = setup();
    const other = nodeInput('node2', '127.0.0.2');
    await log.propose({ type: 'register', node: other, service: serviceInput({ Service: 'db' }), checks: [checkInput({ CheckID: 'db-ok', ServiceID: 'db', Status: 'passing' })] });
    await agent.registerCheck(parseCheckDefinition({ Name: 'db-alias', AliasNode: 'node2', AliasService: 'db' }));
    await flush();
    assert.equal(status('db-alias'), 'passing');
    await log.propose({ type: 'register', node: other, checks: [checkInput({ CheckID: 'db-ok', ServiceID: 'db', Status: 'critical', Output: 'gone' })] });
    await flush();
    assert.equal(status('db-alias'), 'critical');
    assert.equal(agent.checks()['db-alias']?.Output, 'Aliased check "db-ok" failing: gone');
    assert.equal(store.nodeChecks('node1').find((c) => c.CheckID === 'db-alias')?.Status, 'critical', 'and it reached the catalog');
    agent.stopChecks();
  });
});

describe('DeregisterCriticalServiceAfter', () => {
  it('deregisters a service whose check stayed critical past the limit (raised to 1 minute), checked every 30 s', async () => {
    const { agent, clock, store } = setup();
    await agent.registerService(
      parseServiceDefinition({ Name: 'web', Check: { CheckID: 'web-ttl', TTL: '1h', DeregisterCriticalServiceAfter: '10s' } }),
      { replaceExistingChecks: false },
    );
    await agent.registerService(parseServiceDefinition({ Name: 'db', Check: { TTL: '1h' } }), { replaceExistingChecks: false });
    clock.advance(30_000);
    await flush();
    assert.ok(agent.services().web, '10s is below the 1m minimum: still there at 30s');
    clock.advance(30_000);
    await flush();
    assert.ok(agent.services().web, 'exactly 60s is not past the limit');
    clock.advance(30_000);
    await flush();
    assert.deepEqual(Object.keys(agent.services()), ['db'], 'gone at the 90s pass; db has no limit');
    assert.equal(store.nodeServices('node1')?.Services.web, undefined, 'and from the catalog');
    agent.stopChecks();
  });

  it('a check that recovers starts the clock again; timing is injectable', async () => {
    const { agent, clock } = setup({ reaper: { intervalMs: 1_000, minTimeoutMs: 0 } });
    await agent.registerService(
      parseServiceDefinition({ Name: 'web', Check: { CheckID: 'web-ttl', TTL: '1h', DeregisterCriticalServiceAfter: '5s' } }),
      { replaceExistingChecks: false },
    );
    clock.advance(4_000);
    await agent.updateTtlCheck('web-ttl', 'passing', '');
    clock.advance(3_000);
    await agent.updateTtlCheck('web-ttl', 'critical', 'broken');
    clock.advance(5_000);
    await flush();
    assert.ok(agent.services().web, 'critical for 5s only');
    clock.advance(1_000);
    await flush();
    assert.equal(agent.services().web, undefined);
    agent.stopChecks();
  });

  it('a service registered passing is never reaped', async () => {
    const { agent, clock } = setup({ reaper: { intervalMs: 1_000, minTimeoutMs: 0 } });
    await agent.registerService(
      parseServiceDefinition({ Name: 'web', Check: { TTL: '1h', Status: 'passing', DeregisterCriticalServiceAfter: '1s' } }),
      { replaceExistingChecks: false },
    );
    clock.advance(10_000);
    await flush();
    assert.ok(agent.services().web);
    agent.stopChecks();
  });
});

describe('service maintenance', () => {
  it('adds a critical _service_maintenance:<id> check with the reason (or Consul’s default), once, persisted', async () => {
    const saved: string[][] = [];
    const { agent, store } = setup({ persist: (s) => saved.push(s.checks.map((c) => c.CheckID)) });
    await assert.rejects(agent.enableServiceMaintenance('ghost', ''), { code: 'NOT_FOUND', message: 'No service registered with ID "ghost"' });
    await agent.registerService(parseServiceDefinition({ Name: 'web' }), { replaceExistingChecks: false });
    await agent.enableServiceMaintenance('web', '');
    await agent.enableServiceMaintenance('web', 'second reason is ignored');
    const check = store.nodeChecks('node1').find((c) => c.CheckID === '_service_maintenance:web');
    assert.deepEqual(
      [check?.Status, check?.Name, check?.ServiceID, check?.Notes],
      ['critical', 'Service Maintenance Mode', 'web', 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.'],
    );
    assert.deepEqual(saved.at(-1), ['_service_maintenance:web']);
    assert.equal(store.serviceHealth('web', { passingOnly: true }).length, 0, 'out of healthy answers');
    await agent.disableServiceMaintenance('web');
    assert.equal(store.nodeChecks('node1').length, 0);
    assert.deepEqual(saved.at(-1), []);
    await agent.enableNodeMaintenance('patching');
    assert.deepEqual(saved.at(-1), ['_node_maintenance'], 'node maintenance is persisted too');
    agent.stopChecks();
  });

  it('maintenance comes back from saved state', async () => {
    const { agent, store } = setup();
    await agent.restorePersisted({
      services: [parseServiceDefinition({ Name: 'web' })],
      checks: [
        { ...parseCheckDefinition({ Name: 'x', TTL: '1s' }), CheckID: '_service_maintenance:web', Name: 'Service Maintenance Mode', ServiceID: 'web', Kind: '', TTL: '', Notes: 'deploy' },
      ],
    });
    assert.equal(store.nodeChecks('node1')[0]?.Notes, 'deploy');
    agent.stopChecks();
  });
});

describe('script check policy', () => {
  const script = () => parseCheckDefinition({ Name: 'disk', Args: [process.execPath, '-e', ''], Interval: '10s' });
  const REMOTE = "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";
  const LOCAL = "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true";

  it('off by default, from both the API and config files, with Consul’s words', async () => {
    const { agent } = setup();
    await assert.rejects(agent.registerCheck(script()), { code: 'BAD_REQUEST', message: REMOTE });
    await assert.rejects(
      agent.registerService(parseServiceDefinition({ Name: 'web', Check: { Args: ['/bin/true'], Interval: '10s' } }), { replaceExistingChecks: false }),
      { message: REMOTE },
    );
    assert.deepEqual(agent.services(), {}, 'a refused service is not half-registered');
    await assert.rejects(agent.loadConfigDefinitions([], [script()]), { message: LOCAL });
    agent.stopChecks();
  });

  it('enable_local_script_checks allows config files only; enable_script_checks allows both', async () => {
    const local = setup({ scriptChecks: { enableScriptChecks: false, enableLocalScriptChecks: true } });
    await local.agent.loadConfigDefinitions([], [script()]);
    assert.ok(local.agent.checks().disk);
    await assert.rejects(local.agent.registerCheck({ ...script(), CheckID: 'api-disk' }), { message: REMOTE });
    local.agent.stopChecks();
    const any = setup({ scriptChecks: { enableScriptChecks: true, enableLocalScriptChecks: false } });
    await any.agent.registerCheck(script());
    await any.agent.loadConfigDefinitions([], [{ ...script(), CheckID: 'file-disk' }]);
    assert.deepEqual(Object.keys(any.agent.checks()).sort(), ['disk', 'file-disk']);
    any.agent.stopChecks();
  });

  it('a restored script check the agent no longer allows is dropped, the rest still load', async () => {
    const { agent } = setup();
    await agent.restorePersisted({ services: [parseServiceDefinition({ Name: 'web' })], checks: [script(), parseCheckDefinition({ Name: 'ttl', TTL: '1m' })] });
    assert.deepEqual(Object.keys(agent.checks()), ['ttl']);
    assert.deepEqual(Object.keys(agent.services()), ['web']);
    agent.stopChecks();
  });
});

const settle = () => new Promise((r) => setTimeout(r, 150));

describe('checks run by the agent', () => {
  it('a TCP check with failures_before_critical stays passing through one failure, then turns critical', async () => {
    const server = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const { agent, clock, status } = setup();
    await agent.registerCheck(parseCheckDefinition({ Name: 'port', TCP: `127.0.0.1:${port}`, Interval: '10s', FailuresBeforeCritical: 2 }));
    const tick = async () => {
      clock.advance(10_000);
      await settle();
    };
    assert.equal(status('port'), 'critical', 'initial status');
    await tick();
    assert.equal(status('port'), 'passing');
    await new Promise((r) => server.close(r));
    await tick();
    assert.equal(status('port'), 'passing', 'one failure is below the threshold');
    await tick();
    assert.equal(status('port'), 'critical');
    assert.match(agent.checks().port!.Output, /ECONNREFUSED/);
    agent.stopChecks();
  });

  it('an interval below 1s is raised to 1s, with a warning', async () => {
    const clock = new ManualClock();
    const runs: number[] = [];
    const warnings: string[] = [];
    const check = parseCheckDefinition({ Name: 'fast', TCP: `127.0.0.1:${await closedPort()}`, Interval: '10ms' });
    const monitor = startMonitor(check, { clock, random: seededRandom(3), report: () => runs.push(clock.now()), warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, ['check "fast" has interval 10ms, below the minimum of 1s; using 1s']);
    clock.advance(1_000);
    await settle();
    assert.equal(runs.length, 1, 'first run staggered within the raised interval');
    clock.advance(999);
    await settle();
    assert.equal(runs.length, 1, 'not every 10ms');
    clock.advance(1_000);
    await settle();
    assert.equal(runs.length, 2);
    monitor.stop();
  });
});
