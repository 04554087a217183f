import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { load, loadError, workdir } from './fixture.js';

describe('-config-file and -config-dir', () => {
  it('merge in order: scalars replaced, lists appended, objects merged key by key', async () => {
    const cwd = workdir({
      'a.json': { datacenter: 'one', data_dir: '/a', retry_join: ['10.0.0.1'], node_meta: { rack: 'r1', zone: 'z1' }, ports: { http: 1001, dns: 1002 } },
      'b.yaml': 'datacenter: two\nretry_join: [10.0.0.2]\nstart_join: [10.0.0.3]\nnode_meta: {zone: z2}\nports: {http: 2001}\n',
    });
    const { config } = await load({ 'config-file': ['a.json', 'b.yaml'] }, cwd);
    assert.equal(config.datacenter, 'two');
    assert.equal(config.dataDir, '/a');
    assert.deepEqual(config.retryJoin, ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(config.nodeMeta, { rack: 'r1', zone: 'z2' });
    assert.equal(config.ports.http, 2001);
    assert.equal(config.ports.dns, 1002);
    assert.deepEqual(config.sources, [join(cwd, 'a.json'), join(cwd, 'b.yaml')]);
  });

  it('reads a directory alphabetically, JSON and YAML only, without recursion', async () => {
    const cwd = workdir({
      'conf.d/20-b.yml': 'datacenter: b\nretry_join: [b]\n',
      'conf.d/10-a.json': { datacenter: 'a', retry_join: ['a'], data_dir: '/d' },
      'conf.d/30-c.yaml': 'retry_join: [c]\n',
      'conf.d/notes.txt': 'not config',
      'conf.d/nested/40-d.json': { datacenter: 'nested' },
    });
    const { config } = await load({ 'config-dir': ['conf.d'] }, cwd);
    assert.equal(config.datacenter, 'b');
    assert.deepEqual(config.retryJoin, ['a', 'b', 'c']);
    assert.deepEqual(
      config.sources,
      ['10-a.json', '20-b.yml', '30-c.yaml'].map((f) => join(cwd, 'conf.d', f)),
    );
  });

  it('puts the discovered file first, then -config-file, then -config-dir', async () => {
    const cwd = workdir({
      'roster.config.json': { datacenter: 'discovered', retry_join: ['0'], data_dir: '/d' },
      'extra.json': { datacenter: 'file', retry_join: ['1'] },
      'dir/x.json': { retry_join: ['2'] },
    });
    const { config } = await load({ 'config-file': ['extra.json'], 'config-dir': ['dir'] }, cwd);
    assert.equal(config.datacenter, 'file');
    assert.deepEqual(config.retryJoin, ['0', '1', '2']);
  });

  it('does not load the discovered file twice when it is also named with -config-file', async () => {
    const cwd = workdir({ 'roster.config.json': { retry_join: ['10.0.0.1'], data_dir: '/d' } });
    const { config } = await load({ 'config-file': ['roster.config.json'] }, cwd);
    assert.deepEqual(config.retryJoin, ['10.0.0.1']);
  });

  it('resolves absolute paths outside the working directory and names them in full', async () => {
    const elsewhere = workdir({ 'other.json': { ports: { http: 'abc' } } });
    const message = await loadError({ 'config-file': [join(elsewhere, 'other.json')] }, workdir());
    assert.equal(message, `${join(elsewhere, 'other.json')}: ports.http: expected a number, got "abc"`);
  });
});

describe('flags', () => {
  it('override files for scalars and append to their lists', async () => {
    const cwd = workdir({
      'roster.config.json': {
        datacenter: 'file-dc',
        node_name: 'file-node',
        data_dir: '/d',
        retry_join: ['10.0.0.1'],
        recursors: ['8.8.8.8'],
        node_meta: { rack: 'r1' },
        ports: { dns: 53, http: 8080 },
        log_level: 'error',
      },
    });
    const { config } = await load(
      {
        datacenter: 'flag-dc',
        node: 'flag-node',
        join: ['10.0.0.3'],
        'retry-join': ['10.0.0.2'],
        recursor: ['1.1.1.1:5353'],
        'node-meta': ['zone:z1', 'empty'],
        'http-port': 9500,
        'log-level': 'debug',
      },
      cwd,
    );
    assert.equal(config.datacenter, 'flag-dc');
    assert.equal(config.nodeName, 'flag-node');
    assert.deepEqual(config.retryJoin, ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(config.dns.recursors, ['8.8.8.8:53', '1.1.1.1:5353']);
    assert.deepEqual(config.nodeMeta, { rack: 'r1', zone: 'z1', empty: '' });
    assert.equal(config.ports.http, 9500);
    assert.equal(config.ports.dns, 53);
    assert.equal(config.logLevel, 'debug');
  });

  it('a boolean flag left off does not turn off a file setting', async () => {
    const cwd = workdir({ 'roster.config.json': { server: true, bootstrap_expect: 3, data_dir: '/d', log_json: true } });
    const { config } = await load({ server: false, bootstrap: false, 'log-json': false }, cwd);
    assert.equal(config.server, true);
    assert.equal(config.bootstrapExpect, 3);
    assert.equal(config.logJson, true);
  });

  it('-server and -bootstrap-expect from flags', async () => {
    const { config } = await load({ server: true, 'bootstrap-expect': 3, 'data-dir': '/d', 'retry-join-wan': ['w1'], 'join-wan': ['w2'] }, workdir());
    assert.equal(config.server, true);
    assert.equal(config.bootstrapExpect, 3);
    assert.deepEqual(config.retryJoinWan, ['w1', 'w2']);
  });
});
