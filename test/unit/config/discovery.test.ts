import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadError, workdir } from './fixture.js';

/** Runs `fn` with process.cwd() set to `dir`: cosmiconfig's meta-config lookup reads process.cwd(). */
async function inProcessCwd<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

describe('config file discovery in the working directory', () => {
  it('reads roster.config.json', async () => {
    const cwd = workdir({ 'roster.config.json': { datacenter: 'east', data_dir: '/d', ports: { http: 18500 } } });
    const { config } = await load({}, cwd);
    assert.equal(config.datacenter, 'east');
    assert.equal(config.ports.http, 18500);
    assert.deepEqual(config.sources, [join(cwd, 'roster.config.json')]);
  });

  it('reads .rosterrc.yaml', async () => {
    const cwd = workdir({ '.rosterrc.yaml': 'datacenter: west\ndata_dir: /d\nretry_join:\n  - 10.0.0.1\n  - 10.0.0.2\n' });
    const { config } = await load({}, cwd);
    assert.equal(config.datacenter, 'west');
    assert.deepEqual(config.retryJoin, ['10.0.0.1', '10.0.0.2']);
  });

  it('reads .rosterrc without an extension as YAML (which includes JSON)', async () => {
    const cwd = workdir({ '.rosterrc': '{"node_name": "from-rc", "data_dir": "/d"}' });
    const { config } = await load({}, cwd);
    assert.equal(config.nodeName, 'from-rc');
  });

  it('uses the first search place and warns about the others', async () => {
    const cwd = workdir({ 'roster.config.json': { datacenter: 'first', data_dir: '/d' }, '.rosterrc.yml': 'datacenter: second\n' });
    const { config, notes } = await load({}, cwd);
    assert.equal(config.datacenter, 'first');
    assert.deepEqual(notes, [{ level: 'warn', message: 'using roster.config.json; also found .rosterrc.yml, which is not read' }]);
  });

  it('treats an empty file as no keys', async () => {
    const cwd = workdir({ 'roster.config.yaml': '\n' });
    const { config } = await load({ dev: true }, cwd);
    assert.equal(config.datacenter, 'dc1');
    assert.deepEqual(config.sources, [join(cwd, 'roster.config.yaml')]);
  });

  it('does not look in parent directories', async () => {
    const parent = workdir({ 'roster.config.json': { datacenter: 'parent' }, 'child/keep.txt': '' });
    const { config } = await load({ dev: true }, join(parent, 'child'));
    assert.equal(config.datacenter, 'dc1');
  });

  it('never runs JavaScript config files', async () => {
    const cwd = workdir({ '.rosterrc.js': `require('fs').writeFileSync(${JSON.stringify('RAN')}, 'x'); module.exports = { datacenter: 'js' };`, 'roster.config.js': 'throw new Error("ran")' });
    const { config } = await inProcessCwd(cwd, () => load({ dev: true }, cwd));
    assert.equal(config.datacenter, 'dc1');
    assert.equal(existsSync(join(cwd, 'RAN')), false);
  });

  it('refuses to start where cosmiconfig would execute a .config/config.js meta-config', async () => {
    const cwd = workdir({ '.config/config.js': `require('fs').writeFileSync(${JSON.stringify('RAN')}, 'x');` });
    const message = await inProcessCwd(cwd, () => loadError({ dev: true }, cwd));
    assert.match(message, /\.config\/config\.js: refusing to start: the config library would execute this file/);
    assert.equal(existsSync(join(cwd, 'RAN')), false);
  });

  it('rejects a file chosen by a cosmiconfig meta-config instead of a roster file name', async () => {
    const cwd = workdir({
      '.config/config.json': { cosmiconfig: { searchPlaces: ['elsewhere.json'] } },
      'elsewhere.json': { datacenter: 'hijacked' },
      'roster.config.json': { datacenter: 'mine' },
    });
    const message = await inProcessCwd(cwd, () => loadError({ dev: true }, cwd));
    assert.match(message, /^elsewhere\.json: not a roster configuration file name/);
  });

  it('rejects $import, which would bypass the merge rules', async () => {
    const cwd = workdir({ 'roster.config.json': { $import: 'other.json' }, 'other.json': { datacenter: 'x' } });
    assert.equal(await loadError({ dev: true }, cwd), 'roster.config.json: $import is not supported; pass more files with -config-file or -config-dir');
  });
});
