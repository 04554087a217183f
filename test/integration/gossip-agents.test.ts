// Several real `roster agent -dev` processes on their own loopback addresses, gossiping.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { roster, startDevAgent, type AgentProcess } from '../helpers/agent-process.js';

const started: AgentProcess[] = [];
async function agent(ip: string, args: string[] = []): Promise<AgentProcess> {
  const a = await startDevAgent(ip, args);
  started.push(a);
  return a;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Member { Name: string; Status: number }
const members = async (a: AgentProcess): Promise<Record<string, number>> => {
  const list = (await (await fetch(`http://${a.httpAddr}/v1/agent/members`)).json()) as Member[];
  return Object.fromEntries(list.map((m) => [m.Name, m.Status]));
};
const serfHealth = async (a: AgentProcess, node: string): Promise<string | undefined> => {
  const checks = (await (await fetch(`http://${a.httpAddr}/v1/health/node/${node}`)).json()) as { CheckID: string; Status: string }[];
  return checks.find((c) => c.CheckID === 'serfHealth')?.Status;
};

describe('gossip between agents', () => {
  after(async () => {
    await Promise.all(started.map((a) => a.stop('SIGKILL')));
  });

  it('join, failure, graceful leave and rejoin, as members and in the catalog', async () => {
    const [a, b, c] = [await agent('127.0.0.22'), await agent('127.0.0.23'), await agent('127.0.0.24')];
    const joinB = await roster(['join', '127.0.0.22', '-http-addr', b.httpAddr]);
    assert.equal(joinB.code, 0, joinB.stderr);
    assert.match(joinB.stdout, /Successfully joined cluster by contacting 1 nodes\./);
    assert.equal((await roster(['join', '127.0.0.23', '-http-addr', c.httpAddr])).code, 0);
    await eventually('a sees three alive members', async () => Object.values(await members(a)).filter((s) => s === 1).length === 3);
    const table = await roster(['members', '-http-addr', a.httpAddr]);
    assert.match(table.stdout, /dev-24\s+127\.0\.0\.24:8301\s+alive\s+server/);
    assert.equal(await serfHealth(a, 'dev-24'), 'passing');

    await c.stop('SIGKILL');
    await eventually('c failed', async () => (await members(a))['dev-24'] === 4 && (await members(b))['dev-24'] === 4);
    await eventually('c serfHealth critical', async () => (await serfHealth(a, 'dev-24')) === 'critical');
    const failed = await roster(['members', '-status', 'failed', '-http-addr', a.httpAddr]);
    assert.deepEqual(failed.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['dev-24']);

    const forced = await roster(['force-leave', 'dev-24', '-http-addr', a.httpAddr]);
    assert.equal(forced.code, 0, forced.stderr);
    await eventually('c forced out: left on every member, node out of the catalog', async () =>
      (await members(a))['dev-24'] === 3 && (await members(b))['dev-24'] === 3 &&
      (await fetch(`http://${a.httpAddr}/v1/catalog/node/dev-24`).then((r) => r.json())) === null);
    assert.equal((await roster(['force-leave', 'nobody', '-http-addr', a.httpAddr])).code, 1);

    const leave = await roster(['leave', '-http-addr', b.httpAddr]);
    assert.equal(leave.code, 0, leave.stderr);
    await eventually('b left (not failed)', async () => (await members(a))['dev-23'] === 3);
    await eventually('b deregistered', async () => (await fetch(`http://${a.httpAddr}/v1/catalog/node/dev-23`).then((r) => r.json())) === null);

    await agent('127.0.0.24', ['-retry-join', '127.0.0.22']);
    await eventually('c alive again', async () => (await members(a))['dev-24'] === 1);
    await eventually('c passing again', async () => (await serfHealth(a, 'dev-24')) === 'passing');
    assert.equal((await members(a))['dev-23'], 3, 'b is still left');
  });

  it('an agent with another gossip key cannot join an encrypted pool', async () => {
    const key = (await roster(['keygen'])).stdout.trim();
    const other = (await roster(['keygen'])).stdout.trim();
    const secured = await agent('127.0.0.25', ['-encrypt', key]);
    const intruder = await agent('127.0.0.26', ['-encrypt', other]);
    const friend = await agent('127.0.0.27', ['-encrypt', key]);
    const refused = await roster(['join', '127.0.0.25', '-http-addr', intruder.httpAddr]);
    assert.equal(refused.code, 1);
    assert.equal((await roster(['join', '127.0.0.25', '-http-addr', friend.httpAddr])).code, 0);
    await eventually('secured sees friend', async () => (await members(secured))['dev-27'] === 1);
    assert.equal((await members(secured))['dev-26'], undefined);
  });
});
