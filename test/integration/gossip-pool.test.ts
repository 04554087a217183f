// Real gossip pools on loopback: the pure core driven over real UDP and TCP.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FastTestConfig } from '../../src/gossip/core/config.js';
import { Keyring } from '../../src/gossip/net/keyring.js';
import { GossipPool } from '../../src/gossip/pool.js';
import { systemClock } from '../../src/shared/clock.js';
import { PassThrough } from 'node:stream';
import { createLogger, silentLogger, type Logger } from '../../src/shared/logger.js';
import { systemRandom } from '../../src/shared/random.js';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');
const pools: GossipPool[] = [];

async function pool(name: string, keyring?: Keyring, logger: Logger = silentLogger()): Promise<GossipPool> {
  const p = await GossipPool.start({
    name, bindIp: '127.0.0.1', bindPort: 0, meta: { role: 'node' }, config: FastTestConfig,
    ...(keyring ? { keyring } : {}), clock: systemClock, random: systemRandom, logger,
  });
  pools.push(p);
  return p;
}

async function eventually(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stateOf = (p: GossipPool, name: string) => p.members().find((m) => m.name === name)?.state;

describe('gossip pools over loopback', () => {
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('join spreads membership, a stopped member is declared dead, a leaving one left', async () => {
    const [a, b, c, d] = [await pool('a'), await pool('b'), await pool('c'), await pool('d')];
    const events: string[] = [];
    a.onEvent((e) => events.push(`${e.kind}:${e.member.name}`));
    assert.equal(await b.join([a.addr]), 1);
    assert.equal(await c.join([b.addr]), 1);
    assert.equal(await d.join([a.addr, '127.0.0.1:1']), 1, 'an unreachable seed is not counted');
    for (const p of [a, b, c, d]) {
      await eventually(`${p.members()[0]!.name} sees 4 alive`, () => p.members().filter((m) => m.state === 'alive').length === 4);
    }
    assert.ok(events.includes('member-join:c'), `a heard of c through b: ${events.join(' ')}`);

    await d.close(); // a crash, as far as the others can tell
    await eventually('d declared dead', () => stateOf(a, 'd') === 'dead' && stateOf(b, 'd') === 'dead');
    assert.ok(events.includes('member-failed:d'));

    await c.leave(500);
    await eventually('c left', () => stateOf(a, 'c') === 'left' && stateOf(b, 'c') === 'left');
    assert.ok(events.includes('member-leave:c'));
    assert.equal(stateOf(a, 'b'), 'alive');
  });

  it('a second agent claiming a live node name is refused, with a clear warning', async () => {
    const logs = (): { lines: string[]; logger: Logger } => {
      const stream = new PassThrough();
      const lines: string[] = [];
      stream.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
      return { lines, logger: createLogger({ level: 'warn', json: true, destination: stream }) };
    };
    const [seedLog, realLog, impostorLog] = [logs(), logs(), logs()];
    const seed = await pool('seed', undefined, seedLog.logger);
    const real = await pool('dup', undefined, realLog.logger);
    assert.equal(await real.join([seed.addr]), 1);
    await eventually('seed sees dup', () => stateOf(seed, 'dup') === 'alive');
    const impostor = await pool('dup', undefined, impostorLog.logger);
    await impostor.join([seed.addr]);
    await eventually('the seed warned', () => seedLog.lines.some((l) => l.includes('conflicting address for node dup')));
    const warning = JSON.parse(seedLog.lines.find((l) => l.includes('conflicting address for node dup'))!) as Record<string, unknown>;
    assert.deepEqual([warning['node'], warning['known'], warning['claimed']], ['dup', real.addr, impostor.addr]);
    await new Promise((r) => setTimeout(r, 1_500)); // gossip carries the claim around
    assert.equal(seed.members().find((m) => m.name === 'dup')?.addr, real.addr, 'the name stays with the first holder');
    assert.equal(stateOf(seed, 'dup'), 'alive');
    assert.equal(real.local().incarnation, 1, 'the real one did not refute the claim (no incarnation war)');
    // The newcomer hears the name is taken (the seed's state) and says so; it does not fight either.
    await eventually('the impostor warned', () => impostorLog.lines.some((l) => l.includes('conflicting address for node dup')));
    assert.equal(impostor.local().incarnation, 1);
    assert.deepEqual(realLog.lines, [], 'the real one never heard the claim: nobody spread it');
  });

  it('an agent with the wrong key cannot join an encrypted pool; the right key can', async () => {
    const secured = await pool('s1', Keyring.create(KEY_A));
    const intruder = await pool('x', Keyring.create(KEY_B));
    const friend = await pool('s2', Keyring.create(KEY_A, [KEY_B]));
    assert.equal(await intruder.join([secured.addr]), 0);
    assert.equal(await friend.join([secured.addr]), 1, 'a keyring whose primary is the pool key gets in');
    await eventually('s1 sees s2', () => stateOf(secured, 's2') === 'alive');
    assert.equal(stateOf(secured, 'x'), undefined);
    assert.equal(secured.invalidMessages, 0);
  });
});
