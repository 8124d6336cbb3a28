/**
 * `npm run schema`: write events/schema/*.schema.json and events/schema/openapi.json from the zod contracts.
 * One command for both, so a change to the contract cannot update one and leave the other stale.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { JSON_SCHEMAS, renderSchema } from './json-schema.ts';
import { renderOpenApi } from './openapi.ts';

const dir = new URL('./schema/', import.meta.url);
await mkdir(dir, { recursive: true });
for (const name of Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[]) {
  const file = new URL(`${name}.schema.json`, dir);
  await writeFile(file, renderSchema(name));
  console.log(`wrote ${file.pathname}`);
}
const openapi = new URL('openapi.json', dir);
await writeFile(openapi, renderOpenApi());
console.log(`wrote ${openapi.pathname}`);
