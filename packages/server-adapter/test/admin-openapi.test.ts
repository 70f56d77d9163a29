/**
 * `docs/openapi.json` against the running server: every admin operation is
 * called for real, and each answer's status must be documented for it and
 * its body must validate against the documented schema (JSON Schema 2020-12,
 * ajv). Every documented operation is exercised, so the document cannot
 * describe a route that does not answer as it says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { KEY, call } from './admin-helpers.js';
import type { Answer } from './admin-helpers.js';
import { startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

interface Operation {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
}

const DOC_ID = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const doc = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;

/** JSON Pointer escaping of one reference token. */
function token(text: string): string {
  return text.replaceAll('~', '~0').replaceAll('/', '~1');
}

describe('admin API: docs/openapi.json matches the running server', () => {
  let ts: TestServer;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(doc, DOC_ID);
  const exercised = new Set<string>();

  before(async () => {
    ts = await startServer({ adminKeys: [KEY] });
  });
  after(() => ts.close());

  /** The documented template of `path` (`/v1/admin/users/{id}`), or undefined. */
  function templateOf(path: string): string | undefined {
    return Object.keys(doc.paths).find((template) => {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return pattern.test(path);
    });
  }

  /** Calls the API and checks the answer against the document. */
  async function checked(method: string, path: string, body?: unknown, key: string | null = KEY): Promise<Answer> {
    const answer = await call(ts, method, path, body, key);
    const full = `/v1/admin/${path.split('?')[0]}`;
    const template = templateOf(full);
    assert.ok(template, `${full} is documented`);
    const operation = doc.paths[template][method.toLowerCase()] as Operation | undefined;
    assert.ok(operation, `${method} ${template} is documented`);
    const status = String(answer.status);
    let response = operation.responses[status];
    assert.ok(response, `${method} ${template} documents status ${status} (${JSON.stringify(answer.body)})`);
    let pointer = `#/paths/${token(template)}/${method.toLowerCase()}/responses/${status}`;
    if (response.$ref) {
      pointer = response.$ref;
      response = doc.components.responses[response.$ref.split('/').pop() ?? ''];
    }
    const content = response.content?.['application/json'];
    if (content) {
      const validate = ajv.compile({ $ref: `${DOC_ID}${pointer}/content/application~1json/schema` });
      assert.ok(validate(answer.body), `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(answer.body)}`);
    } else {
      assert.equal(answer.body, null, `${method} ${template} ${status} has no body`);
    }
    exercised.add(`${method.toLowerCase()} ${template}`);
    return answer;
  }

  it('is an OpenAPI 3.1 document whose operations have ids and JSON schemas', () => {
    assert.equal(doc.openapi, '3.1.0');
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const operation = item[method] as Operation | undefined;
        if (!operation) continue;
        assert.ok(operation.operationId, `${method} ${template} has an operationId`);
        assert.ok(operation.responses['401'], `${method} ${template} documents 401`);
      }
    }
  });

  it('answers every documented operation as documented', async () => {
    await checked('PUT', 'users/ada', { name: 'Ada', avatarUrl: 'https://cdn.example.com/ada.png', data: { plan: 'pro' } });
    await checked('PUT', 'users/ada', { avatarUrl: 'ftp://nope' });
    await checked('PUT', 'users/ada', { name: 'Ada' }, 'wrong-key');
    await checked('POST', 'users/ada/tokens', { ttlSeconds: 60 });
    await checked('POST', 'users/ada/tokens', { ttlSeconds: 0 });
    await checked('POST', 'users/ada/revoke');
    await checked('POST', 'rooms', { id: 'spec', kind: 'group', name: 'Spec', topic: 't', members: [{ user: 'ada', role: 'owner' }, { user: 'bob' }] });
    await checked('POST', 'rooms', { id: 'spec', kind: 'group', name: 'Spec', members: [{ user: 'ada' }] });
    await checked('POST', 'rooms', { kind: 'direct', name: 'x', members: [{ user: 'ada' }] });
    await checked('PATCH', 'rooms/spec', { name: 'Spec 2', retention: { maxAgeMs: null, maxMessages: 1000 }, data: { project: 'x' } });
    await checked('PATCH', 'rooms/spec', { data: 'x'.repeat(5000) });
    await checked('PATCH', 'rooms/missing', { name: 'x' });
    await checked('PUT', 'rooms/spec/members/cy', { role: 'moderator' });
    await checked('PUT', 'rooms/spec/members/cy', { role: 'admin' });
    await checked('PUT', 'rooms/spec/members/cy', { role: 'king' });
    await checked('DELETE', 'rooms/spec/members/cy');
    await checked('DELETE', 'rooms/spec/members/cy');
    await checked('POST', 'rooms/spec/messages', { from: { user: 'ada' }, text: 'hello', data: { n: 1 }, clientId: 'spec-1' });
    await checked('POST', 'rooms/spec/messages', { from: { user: 'ada' }, text: 'hello', data: { n: 1 }, clientId: 'spec-1' });
    await checked('POST', 'rooms/spec/messages', { system: true, text: 'notice', clientId: 'spec-2' });
    await checked('POST', 'rooms/spec/messages', { from: { user: 'stranger' }, text: 'hi', clientId: 'spec-3' });
    await checked('POST', 'rooms/spec/messages', { from: { user: 'ada' }, text: 'x'.repeat(5000), clientId: 'spec-4' });
    await checked('GET', 'rooms/spec/messages?limit=10');
    await checked('GET', 'rooms/spec/messages?limit=0');
    await checked('GET', 'rooms/missing/messages');

    const documented: string[] = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) if (item[method]) documented.push(`${method} ${template}`);
    }
    assert.deepEqual([...exercised].sort(), documented.sort(), 'every documented operation was exercised');
  });
});
