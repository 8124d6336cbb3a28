/** `npm run schema`: write events/schema/*.schema.json from the zod contracts. */
import { mkdir, writeFile } from 'node:fs/promises';
import { JSON_SCHEMAS, renderSchema } from './json-schema.ts';

const dir = new URL('./schema/', import.meta.url);
await mkdir(dir, { recursive: true });
for (const name of Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[]) {
  const file = new URL(`${name}.schema.json`, dir);
  await writeFile(file, renderSchema(name));
  console.log(`wrote ${file.pathname}`);
}
