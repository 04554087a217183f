// Reload: config-file service and check definitions read again from real temp config dirs.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalAgentDeps } from '../../../src/agent/local-agent.js';
import { oneAtATime, planReload } from '../../../src/agent/reload.js';
import { reloadOnSighup } from '../../../src/agent/signals.js';
import { loadAgentConfig } from '../../../src/config/index.js';
import { parseCheckDefinition, parseServiceDefinition } from '../../../src/shared/definitions.js';
import { testLocalAgent } from '../../helpers/local-agent.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An agent whose reload reads `<tmp>/conf.d` through the real config loader. */
async function setup(extra: Partial<LocalAgentDeps> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'roster-reload-'));
  dirs.push(root);
  const confDir = join(root, 'conf.d');
  const write = (name: string, content: unknown) => {
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, name), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const remove = (name: string) => unlinkSync(join(confDir, name));
  const load = () => loadAgentConfig({ dev: true, 'config-dir': [confDir] }, { cwd: root, hostname: 'node1' });

  const { agent, store, clock } = testLocalAgent({ reloadConfig: load, ...extra });
  return { agent, store, write, remove, load, clock };
}

describe('reload planning', () => {
  it('sorts definitions into added, changed, removed and unchanged', () => {
    const a = parseServiceDefinition({ Name: 'a' });
    const b = parseServiceDefinition({ Name: 'b', Port: 1 });
    const c = parseServiceDefinition({ Name: 'c' });
    const plan = planReload(
      { services: [a, b], checks: [parseCheckDefinition({ Name: 'x', TTL: '1m' })] },
      { services: [a, { ...b, Port: 2 }, c], checks: [] },
    );
    assert.deepEqual(plan.addServices.map((s) => s.ID), ['c']);
    assert.deepEqual(plan.updateServices.map((s) => [s.ID, s.Port]), [['b', 2]]);
    assert.deepEqual(plan.removeServices, []);
    assert.deepEqual(plan.removeChecks, ['x']);
    assert.equal(plan.unchanged, 1);
  });

  it('runs reloads one at a time', async () => {
    const order: string[] = [];
    let n = 0;
    const run = oneAtATime(async () => {
      const me = ++n;
      order.push(`start ${me}`);
      await new Promise((r) => setTimeout(r, 10));
      order.push(`end ${me}`);
      if (me === 1) throw new Error('first fails');
    });
    const results = await Promise.allSettled([run(), run()]);
    assert.deepEqual(order, ['start 1', 'end 1', 'start 2', 'end 2']);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled']);
  });
});

describe('reloading config files', () => {
  it('adds new, updates changed and removes vanished definitions; leaves API registrations and unchanged checks alone', async () => {
    const { agent, write, remove, load, store } = await setup();
    write('web.json', { service: { name: 'web', port: 80, check: { id: 'web-ttl', ttl: '10m' } } });
    write('db.json', { service: { name: 'db', port: 5432 } });
    const first = await load();
    await agent.loadConfigDefinitions(first.services, first.checks);
    await agent.registerService(parseServiceDefinition({ Name: 'api-only' }), { replaceExistingChecks: false });
    await agent.updateTtlCheck('web-ttl', 'passing', 'up');

    write('db.json', { service: { name: 'db', port: 6543 } });
    write('cache.json', { service: { name: 'cache' }, check: { id: 'mem', name: 'memory', ttl: '1m', service_id: 'cache' } });
    await agent.reload();
    assert.deepEqual(Object.keys(agent.services()).sort(), ['api-only', 'cache', 'db', 'web']);
    assert.equal(agent.services().db?.Port, 6543, 'changed definition applied');
    assert.equal(agent.checks()['web-ttl']?.Status, 'passing', 'an unchanged check keeps running with its status');
    assert.equal(agent.checks().mem?.ServiceID, 'cache');

    remove('web.json');
    remove('cache.json');
    await agent.reload();
    assert.deepEqual(Object.keys(agent.services()).sort(), ['api-only', 'db']);
    assert.deepEqual(Object.keys(agent.checks()), [], 'vanished checks are gone, the service check with its service');
    assert.deepEqual(Object.keys(store.nodeServices('node1')!.Services).sort(), ['api-only', 'db'], 'and the catalog follows');
    agent.stopChecks();
  });

  it('a changed check of a service is replaced; a removed one goes; the service maintenance check stays', async () => {
    const { agent, write } = await setup();
    write('web.json', { service: { name: 'web', checks: [{ id: 'a', ttl: '1m' }, { id: 'b', ttl: '1m' }] } });
    await agent.reload();
    await agent.updateTtlCheck('a', 'passing', '');
    await agent.updateTtlCheck('b', 'passing', '');
    await agent.enableServiceMaintenance('web', 'deploy');
    write('web.json', { service: { name: 'web', checks: [{ id: 'a', ttl: '1m' }, { id: 'c', ttl: '2m' }] } });
    await agent.reload();
    const checks = agent.checks();
    assert.deepEqual(Object.keys(checks).sort(), ['_service_maintenance:web', 'a', 'c']);
    assert.equal(checks.a?.Status, 'passing');
    assert.equal(checks.c?.Status, 'critical');
    agent.stopChecks();
  });

  it('an invalid file or a refused definition changes nothing and says why', async () => {
    const { agent, write } = await setup();
    write('web.json', { service: { name: 'web' } });
    await agent.reload();
    write('web.json', '{ "service": { "name": ');
    await assert.rejects(agent.reload(), { code: 'CONFIG' });
    write('web.json', { service: { name: 'web', check: { args: ['/bin/true'], interval: '10s' } } });
    await assert.rejects(agent.reload(), {
      code: 'CONFIG',
      message: "Failed reloading services: Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
    });
    assert.deepEqual(Object.keys(agent.services()), ['web']);
    assert.deepEqual(Object.keys(agent.checks()), []);
    agent.stopChecks();
  });

  it('without a way to read the config, reload is refused', async () => {
    const { agent } = await setup({ reloadConfig: undefined });
    await assert.rejects(agent.reload(), { code: 'UNAVAILABLE', message: 'configuration reload is not available on this agent' });
    agent.stopChecks();
  });
});

describe('SIGHUP', () => {
  it('reloads the agent, logs a failure and keeps going, and detaches', async () => {
    const proc = new EventEmitter();
    const calls: string[] = [];
    const logged: string[] = [];
    const logger = {
      info: (...a: unknown[]) => void logged.push(`info ${String(a.at(-1))}`),
      warn: (...a: unknown[]) => void logged.push(`warn ${String(a.at(-1))}`),
      error: (...a: unknown[]) => void logged.push(`error ${String(a.at(-1))}`),
    };
    let fail = false;
    const detach = reloadOnSighup(
      { reload: async () => { calls.push('reload'); if (fail) throw new Error('bad file'); } },
      logger as never,
      proc as never,
    );
    proc.emit('SIGHUP');
    fail = true;
    proc.emit('SIGHUP');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['reload', 'reload']);
    assert.ok(logged.includes('error configuration reload failed; keeping the current definitions'));
    detach();
    proc.emit('SIGHUP');
    assert.equal(calls.length, 2);
    assert.equal(proc.listenerCount('SIGHUP'), 0);
  });
});
