import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../../../src/gossip/core/', import.meta.url).pathname;
const banned: [RegExp, string][] = [
  [/from\s+['"]node:/, 'node: import'],
  [/\bDate\b/, 'Date'],
  [/\bperformance\b/, 'performance'],
  [/\bset(Timeout|Interval|Immediate)\b/, 'timers'],
  [/Math\.random/, 'Math.random'],
  [/\bprocess\./, 'process'],
];

describe('gossip core purity', () => {
  it('uses no clock, timers, ambient randomness or node APIs, and imports only itself and src/shared types', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 5);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const [re, what] of banned) assert.ok(!re.test(src), `${f} uses ${what}`);
      for (const m of src.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        assert.ok(spec.startsWith('./') || spec.startsWith('../../shared/'), `${f} imports ${spec}`);
      }
      // random.ts loads node:crypto at runtime, so only its types may be imported.
      assert.ok(!/^import\s+\{[^}]*\}\s+from\s+['"]\.\.\/\.\.\/shared\/random\.js['"]/m.test(src), `${f} value-imports random.ts`);
    }
  });
});
