import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load, loadError, workdir } from '../config/fixture.js';

// The DNS settings of the agent's configuration (the rest is tested with the config).
const file = (content: object) => workdir({ 'roster.config.json': content });

describe('dns configuration', () => {
  it('reads -recursor, -dns-port and the recursor settings of dns_config', async () => {
    const { config } = await load(
      { dev: true, recursor: ['192.0.2.53', '[2001:db8::53]:5353'], 'dns-port': 53 },
      file({ recursors: ['198.51.100.1'], dns_config: { recursor_timeout: '250ms', recursor_strategy: 'random', enable_truncate: false } }),
    );
    assert.deepEqual(config.dns.recursors, ['198.51.100.1:53', '192.0.2.53:53', '[2001:db8::53]:5353']);
    assert.equal(config.ports.dns, 53);
    assert.equal(config.dns.recursorTimeoutMs, 250);
    assert.equal(config.dns.recursorStrategy, 'random');
    assert.equal(config.dns.enableTruncate, false);
  });

  it('sets TC on cut replies by default, asks recursors in order, 2s each', async () => {
    const { config } = await load({ dev: true }, file({}));
    assert.deepEqual([config.dns.enableTruncate, config.dns.recursorStrategy, config.dns.recursorTimeoutMs], [true, 'sequential', 2000]);
  });

  it('rejects a bad strategy or timeout', async () => {
    assert.match(await loadError({ dev: true }, file({ dns_config: { recursor_strategy: 'fastest' } })), /recursor_strategy/);
    assert.match(await loadError({ dev: true }, file({ dns_config: { recursor_timeout: '0s' } })), /recursor_timeout/);
  });
});
