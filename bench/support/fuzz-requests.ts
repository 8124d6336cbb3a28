/**
 * The requests `npm run fuzz` sends: a deterministic list made from a seed. Valid events from
 * `events/fixtures/` with fresh ids, users and times; the same events mutated one field at a time (wrong JSON
 * types, empty objects and arrays, extreme dates, odd Unicode, prototype-pollution keys); raw bodies with
 * duplicate keys, broken JSON and sizes on both sides of the limit; unusual content types; other methods
 * and paths on the public API; and valid events with missing, forged or stale credentials (`auth`).
 *
 * Credentials are added at run time (`fuzz-auth.ts`, the twin's `local` source): a request to `POST /events`
 * carries the API key or a Standard Webhooks signature (by its index), unless its `auth` recipe says which
 * bad credential it carries instead.
 *
 * Requests that reuse an earlier one's `id` (duplicates, conflicts) look back at least {@link REUSE_DISTANCE}
 * requests, and the runner sends waves of at most that many at once, so which request of a pair arrives
 * first, and so every status, depends on the seed only.
 */
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { EVENT_TYPES, type EventType } from '../../events/job-event.ts';
import { MAX_BODY_BYTES } from '../../shared/http-body.ts';
import { LINK_ACTIONS, LINK_LIFETIME_SECONDS, type LinkAction } from '../../shared/links/actions.ts';
import { STYLESHEET_PATH } from '../../shared/web/layout.tsx';

/** The largest wave the runner may send at once, and the least distance of a reused id. */
export const REUSE_DISTANCE = 64;
/** API Gateway's own payload limit, beyond the function's: the twin's gateway answers 413 above it. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const DAY_MS = 86_400_000;

export type FuzzCategory =
  | 'valid'
  | 'duplicate'
  | 'conflict'
  | 'wrong-type'
  | 'empty'
  | 'date'
  | 'unicode'
  | 'prototype-key'
  | 'duplicate-key'
  | 'size'
  | 'content-type'
  | 'garbage'
  | 'route'
  | 'link'
  | 'auth';

/**
 * Credentials a request to `POST /events` carries that must not get in (each one a `401`): none at all, a
 * wrong or malformed key, a key of no source, a signature made with another secret, over another body, 6
 * minutes old or ahead, of an unknown version, for an unknown source or for none named.
 */
export const FORGED_AUTH = [
  'none',
  'wrong-key',
  'unknown-source-key',
  'malformed-bearer',
  'basic-auth',
  'forged-signature',
  'other-body',
  'stale',
  'ahead',
  'unknown-version',
  'unknown-source',
  'no-source',
] as const;
export type ForgedAuth = (typeof FORGED_AUTH)[number];

export interface FuzzRequest {
  readonly index: number;
  readonly category: FuzzCategory;
  /** One line saying what was done to the request, for the report. */
  readonly note: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** For link pages: the token to put where the path says `{token}` (signed by the runner, see below). */
  readonly token?: TokenRecipe;
  /** For `POST /events`: the bad credential to send instead of a valid one (`fuzz-auth.ts`). */
  readonly auth?: ForgedAuth;
}

/**
 * A link token to make at run time: the key ring is the twin's (generated on its first start), so the
 * generator only says what kind of token goes in the URL.
 * - `raw`: the value as it is (garbage, forged `alg: none`, far too long).
 * - `signed`: signed with the twin's ring for `action` and `email`'s user, as of `ageDays` ago, then
 *   `tamper`ed: a changed signature or payload, or signed with a key outside the ring.
 */
export type TokenRecipe =
  | { readonly kind: 'raw'; readonly value: string }
  | {
      readonly kind: 'signed';
      readonly action: LinkAction;
      readonly email: string;
      readonly target?: string;
      readonly ageDays: number;
      readonly tamper: 'none' | 'signature' | 'payload' | 'foreign-key';
    };

// ---- a small seeded PRNG (mulberry32): the same seed, the same requests, on every machine ----------------

export class Rng {
  private state: number;

  public constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  public int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  public chance(p: number): boolean {
    return this.next() < p;
  }

  public pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Pick by weight: `[[weight, value], …]`. */
  public weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [w, value] of entries) {
      roll -= w;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]?.[1] as T;
  }
}

// ---- building blocks --------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const FIXTURES = new Map<EventType, JsonObject>(
  EVENT_TYPES.map((type) => [
    type,
    JSON.parse(
      readFileSync(new URL(`../../events/fixtures/${type}.json`, import.meta.url), 'utf8'),
    ) as JsonObject,
  ]),
);

const ZONES = [
  'Europe/Berlin',
  'America/Los_Angeles',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'UTC',
  'Etc/GMT-14',
];
const JSON_TYPE = { 'content-type': 'application/json' } as const;

/** Text that is valid but unusual: scripts, emoji sequences, combining marks, the longest allowed. */
const ODD_VALID_TEXT = [
  'Zoë Ångström',
  'محمد الفارسي',
  '李小龙',
  '👩🏽‍💻 Dev',
  'e\u0301 combining',
  'Ａｃｍｅ　Ｃｏｒｐ',
  'O\'Brien & <Sons> "Ltd"',
  '{{company}} {{#each x}}',
  '\u202eevil\u202c',
  'zero\u200bwidth',
  'x'.repeat(120),
  '😀'.repeat(60),
];

/** Text the contract refuses: control characters, separators, unpaired surrogates, too long. */
const ODD_INVALID_TEXT = [
  '',
  '   ',
  'a\u0000b',
  'line\nbreak',
  'Acme\r\nBcc: x@example.com',
  'para\u2029graph',
  'lone \ud800 high',
  'lone \udc00 low',
  '\u0085next line',
  'x'.repeat(161),
  '😀'.repeat(61),
];

const ODD_EMAILS = [
  'ä@example.com',
  'sam@exämple.com',
  'sam＠example.com',
  'sam@example',
  'a@b.c',
  `${'a'.repeat(250)}@example.com`,
  'SAM@EXAMPLE.COM',
  ' sam@example.com',
  'sam@example.com\n',
  '"quoted"@example.com',
];

const DATE_VALUES = (now: Date): readonly string[] => {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    '9999-12-31T23:59:59-23:59',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '1970-01-01T00:00:00Z',
    '2199-12-31T23:59:59Z',
    '2200-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2026-02-29T10:00:00Z',
    '2028-02-29T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-03-10T24:00:00Z',
    '2026-03-10T10:00:60Z',
    '2026-03-10t10:00:00z',
    '2026-03-10T10:00:00',
    '2026-03-10',
    '2026-W11-2T10:00:00Z',
    `2026-03-10T10:00:00.${'9'.repeat(30)}Z`,
    iso(now.getTime() + 5 * 60_000 - 1000),
    iso(now.getTime() + 5 * 60_000 + 1000),
    iso(now.getTime() - 365 * DAY_MS + 60_000),
    iso(now.getTime() - 365 * DAY_MS - 60_000),
    iso(now.getTime() + 400 * DAY_MS),
  ];
};

/** Values of every JSON type, for a field that expects another. */
const WRONG_TYPES: readonly Json[] = [null, true, false, 0, -1.5, 1e308, '', 'x', [], [1, 'a'], {}, { a: 1 }];

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Every path to an object or a leaf of `value`, e.g. `application.contact.name`. */
function pathsOf(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  const own = prefix.length === 0 ? [] : [prefix];
  return [...own, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

function setPath(root: JsonObject, path: readonly string[], value: Json): void {
  let node: JsonObject = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return;
    node = next;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** Defines an own property, as `JSON.parse` does for a `"__proto__"` key, so `JSON.stringify` writes it. */
function defineOwn(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- the generator ----------------------------------------------------------------------------------------

interface Context {
  readonly rng: Rng;
  readonly index: number;
  readonly seed: number;
  readonly now: Date;
  readonly earlier: readonly FuzzRequest[];
}

/** A valid event: a fixture with a fresh id (most of the time), one of 300 users, a time within a year. */
function validEvent(ctx: Context): JsonObject {
  const { rng } = ctx;
  const event = clone(FIXTURES.get(rng.pick(EVENT_TYPES)) as JsonObject);
  if (rng.chance(0.85)) event.id = `fz-${ctx.seed}-${ctx.index}`;
  else delete event.id;
  const user = event.user as JsonObject;
  user.email = `fuzz-${rng.int(1, 300)}@example.com`;
  if (rng.chance(0.3)) delete user.timezone;
  else user.timezone = rng.pick(ZONES);
  if (rng.chance(0.2)) user.name = rng.pick(ODD_VALID_TEXT);
  const application = event.application as JsonObject | undefined;
  if (application) {
    application.ref = `app-${rng.int(1, 20)}`;
    if (rng.chance(0.2)) application.company = rng.pick(ODD_VALID_TEXT);
    if (rng.chance(0.2)) delete application.contact;
  }
  if (rng.chance(0.2)) delete event.occurredAt;
  else event.occurredAt = new Date(ctx.now.getTime() - rng.int(0, 300 * DAY_MS)).toISOString();
  return event;
}

function jsonRequest(ctx: Context, category: FuzzCategory, note: string, body: string | Buffer): FuzzRequest {
  return {
    index: ctx.index,
    category,
    note,
    method: 'POST',
    path: '/events',
    headers: JSON_TYPE,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

/**
 * An earlier request at least {@link REUSE_DISTANCE} back that sent a valid event (with an `id` when
 * `withId`), if any. Only the last few thousand are considered, so the search stays cheap.
 */
function earlierValid(ctx: Context, withId: boolean): FuzzRequest | undefined {
  const end = Math.max(0, ctx.index - REUSE_DISTANCE + 1);
  const valid = ctx.earlier
    .slice(Math.max(0, end - 2000), end)
    .filter((r) => r.category === 'valid' && (!withId || r.note.endsWith('(id)')));
  return valid.length === 0 ? undefined : ctx.rng.pick(valid);
}

/** A string of exactly `bytes` UTF-8 bytes holding a valid event padded with spaces (JSON whitespace). */
function paddedTo(event: JsonObject, bytes: number, filler = ' '): string {
  const text = JSON.stringify(event);
  const room = bytes - Buffer.byteLength(text) - 1;
  if (room < 0) throw new Error('event larger than the padding target');
  const fill = filler.repeat(Math.floor(room / Buffer.byteLength(filler)));
  const rest = ' '.repeat(room - Buffer.byteLength(fill));
  return `${text.slice(0, -1)}${fill}${rest}}`;
}

const GENERATORS: Readonly<Record<FuzzCategory, (ctx: Context) => FuzzRequest>> = {
  valid: (ctx) => {
    const event = validEvent(ctx);
    const note =
      event.id === undefined
        ? 'a fixture, fresh user and time (no id)'
        : 'a fixture, fresh user and time (id)';
    return jsonRequest(ctx, 'valid', note, JSON.stringify(event));
  },

  duplicate: (ctx) => {
    const earlier = earlierValid(ctx, false);
    if (!earlier?.body) return GENERATORS.valid(ctx);
    return jsonRequest(ctx, 'duplicate', `the body of request #${earlier.index} again`, earlier.body);
  },

  conflict: (ctx) => {
    const earlier = earlierValid(ctx, true);
    if (!earlier?.body) return GENERATORS.valid(ctx);
    const event = JSON.parse(earlier.body.toString('utf8')) as JsonObject;
    (event.user as JsonObject).name = `Changed ${ctx.index}`;
    return jsonRequest(
      ctx,
      'conflict',
      `the id of request #${earlier.index} with other content`,
      JSON.stringify(event),
    );
  },

  'wrong-type': (ctx) => {
    const event = validEvent(ctx);
    const path = ctx.rng.pick(pathsOf(event));
    const value = ctx.rng.pick(WRONG_TYPES);
    // A string id stays unique per request, or two requests of one wave could race for it.
    setPath(
      event,
      path,
      path[0] === 'id' && typeof value === 'string' ? `${value}-${ctx.index}` : clone(value),
    );
    return jsonRequest(
      ctx,
      'wrong-type',
      `${path.join('.')} = ${JSON.stringify(value)}`,
      JSON.stringify(event),
    );
  },

  empty: (ctx) => {
    const event = validEvent(ctx);
    const objects = pathsOf(event).filter((p) => {
      let node: Json = event;
      for (const k of p) node = (node as JsonObject)[k] ?? null;
      return node !== null && typeof node === 'object';
    });
    const target =
      ctx.rng.chance(0.3) && event.application ? ['application', 'contact'] : ctx.rng.pick(objects);
    const value: Json = ctx.rng.pick([{}, [], '']);
    setPath(event, target, value);
    return jsonRequest(ctx, 'empty', `${target.join('.')} = ${JSON.stringify(value)}`, JSON.stringify(event));
  },

  date: (ctx) => {
    const event = validEvent(ctx);
    const value = ctx.rng.pick(DATE_VALUES(ctx.now));
    event.occurredAt = value;
    return jsonRequest(ctx, 'date', `occurredAt = ${value}`, JSON.stringify(event));
  },

  unicode: (ctx) => {
    const event = validEvent(ctx);
    const textPaths = [
      ['user', 'name'],
      ['application', 'company'],
      ['application', 'role'],
      ['id'],
      ['user', 'timezone'],
    ];
    if (ctx.rng.chance(0.2)) {
      const email = ctx.rng.pick(ODD_EMAILS);
      (event.user as JsonObject).email = email;
      return jsonRequest(ctx, 'unicode', `user.email = ${JSON.stringify(email)}`, JSON.stringify(event));
    }
    const path = event.application ? ctx.rng.pick(textPaths) : ctx.rng.pick([['user', 'name'], ['id']]);
    const value = ctx.rng.chance(0.5) ? ctx.rng.pick(ODD_VALID_TEXT) : ctx.rng.pick(ODD_INVALID_TEXT);
    // An id must stay unique per request, or two requests of one wave could race for it.
    setPath(event, path, path[0] === 'id' ? `${value}-${ctx.index}` : value);
    return jsonRequest(
      ctx,
      'unicode',
      `${path.join('.')} = ${JSON.stringify(value).slice(0, 60)}`,
      JSON.stringify(event),
    );
  },

  'prototype-key': (ctx) => {
    const event = validEvent(ctx);
    const key = ctx.rng.pick(['__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString']);
    const objects: JsonObject[] = [event, event.user as JsonObject];
    if (event.application) objects.push(event.application as JsonObject);
    const target = ctx.rng.pick(objects);
    defineOwn(
      target,
      key,
      ctx.rng.pick<Json>([{ polluted: true }, { isAdmin: true, email: 'x@example.com' }, null, 'x']),
    );
    return jsonRequest(ctx, 'prototype-key', `own "${key}" key`, JSON.stringify(event));
  },

  'duplicate-key': (ctx) => {
    const event = validEvent(ctx);
    const text = JSON.stringify(event);
    const variant = ctx.rng.int(0, 3);
    const body =
      variant === 0
        ? // The last `type` wins in JSON.parse: an invalid one after a valid one.
          `${text.slice(0, -1)},"type":"bogus.type"}`
        : variant === 1
          ? // A valid last value after an invalid first one: accepted, as JSON.parse sees it.
            `{"type":42,"user":null,${text.slice(1)}`
          : variant === 2
            ? // Two users: the second decides whose event it is.
              `${text.slice(0, -1)},"user":{"email":"fuzz-dup-${ctx.index}@example.com"}}`
            : `${text.slice(0, -1)},"id":"fz-${ctx.seed}-${ctx.index}-b","id":"fz-${ctx.seed}-${ctx.index}-c"}`;
    return jsonRequest(ctx, 'duplicate-key', `duplicate keys, variant ${variant}`, body);
  },

  size: (ctx) => {
    const event = validEvent(ctx);
    const variant = ctx.rng.weighted<number>([
      [6, 0],
      [6, 1],
      [4, 2],
      [4, 3],
      [3, 4],
      [1, 5],
    ]);
    switch (variant) {
      case 0:
        return jsonRequest(
          ctx,
          'size',
          `exactly ${MAX_BODY_BYTES} bytes (whitespace)`,
          paddedTo(event, MAX_BODY_BYTES),
        );
      case 1:
        return jsonRequest(ctx, 'size', `${MAX_BODY_BYTES + 1} bytes`, paddedTo(event, MAX_BODY_BYTES + 1));
      case 2: {
        // 2-byte characters: under the limit in characters, over it in bytes.
        const name = 'é'.repeat(60);
        (event.user as JsonObject).name = name;
        const text = JSON.stringify(event);
        const chars = MAX_BODY_BYTES - 40;
        const body = `${text.slice(0, -1)}${' '.repeat(Math.max(0, chars - text.length - 1))}}`;
        return jsonRequest(ctx, 'size', `${body.length} characters, ${Buffer.byteLength(body)} bytes`, body);
      }
      case 3: {
        const message = 'x'.repeat(ctx.rng.pick([2000, 2001, 60_000]));
        const rejected = clone(FIXTURES.get('application.rejected') as JsonObject);
        rejected.id = `fz-${ctx.seed}-${ctx.index}`;
        (rejected.rejection as JsonObject).message = message;
        return jsonRequest(
          ctx,
          'size',
          `rejection.message of ${message.length} characters`,
          JSON.stringify(rejected),
        );
      }
      case 4:
        return jsonRequest(ctx, 'size', '1 MB of JSON', `{"type":"${'x'.repeat(1024 * 1024)}"}`);
      default:
        return jsonRequest(
          ctx,
          'size',
          `${GATEWAY_MAX_BODY_BYTES + 1} bytes (past the gateway)`,
          Buffer.alloc(GATEWAY_MAX_BODY_BYTES + 1, 0x20),
        );
    }
  },

  'content-type': (ctx) => {
    const contentType = ctx.rng.pick<string | undefined>([
      undefined,
      '',
      'text/plain',
      'text/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;',
      ' application/json ',
      'application/json, text/plain',
      'application/jsonp',
      'application/vnd.api+json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json; charset=utf-16',
      'image/png',
    ]);
    const request = jsonRequest(
      ctx,
      'content-type',
      `content-type ${JSON.stringify(contentType)}`,
      JSON.stringify(validEvent(ctx)),
    );
    const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
    return { ...request, headers };
  },

  garbage: (ctx) => {
    const { rng } = ctx;
    const variant = rng.int(0, 9);
    const sample = <T>(arb: fc.Arbitrary<T>): T =>
      fc.sample(arb, { seed: rng.int(0, 2 ** 31 - 1), numRuns: 1 })[0] as T;
    const bodies: Record<number, () => [string, string | Buffer]> = {
      0: () => ['any JSON value', JSON.stringify(sample(fc.jsonValue({ maxDepth: 4 })))],
      1: () => [
        'random bytes (invalid UTF-8)',
        Buffer.from(sample(fc.uint8Array({ minLength: 1, maxLength: 300 }))),
      ],
      2: () => {
        const text = JSON.stringify(validEvent(ctx));
        return ['truncated JSON', text.slice(0, rng.int(0, text.length - 1))];
      },
      3: () => ['a byte-order mark before the JSON', `\ufeff${JSON.stringify(validEvent(ctx))}`],
      4: () => [
        'NaN, Infinity and comments',
        '{"type":"application.submitted", /* c */ "n": NaN, "i": Infinity}',
      ],
      5: () => ['10,000 nested arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
      6: () => ['an empty body', ''],
      7: () => [
        'whitespace and a bare literal',
        rng.pick([' ', 'null', 'true', '0', '""', '[]', '{}', '1e400']),
      ],
      8: () => ['a random string', sample(fc.string({ unit: 'binary', maxLength: 200 }))],
      9: () => [
        'a JSON string of an event (double-encoded)',
        JSON.stringify(JSON.stringify(validEvent(ctx))),
      ],
    };
    const [note, body] = (bodies[variant] ?? (bodies[0] as () => [string, string]))();
    return jsonRequest(ctx, 'garbage', note, body);
  },

  link: linkRequest,

  auth: (ctx) => {
    const auth = ctx.rng.pick(FORGED_AUTH);
    const request = jsonRequest(ctx, 'auth', `a valid event with credentials: ${auth}`, '');
    return { ...request, body: Buffer.from(JSON.stringify(validEvent(ctx)), 'utf8'), auth };
  },

  route: (ctx) => {
    const [method, path] = ctx.rng.pick<readonly [string, string]>([
      ['GET', '/events'],
      ['PUT', '/events'],
      ['DELETE', '/events'],
      ['PATCH', '/events'],
      ['OPTIONS', '/events'],
      ['HEAD', '/events'],
      ['POST', '/events/'],
      ['POST', '/EVENTS'],
      ['POST', '//events'],
      ['POST', '/events/../events'],
      ['POST', '/%65vents'],
      ['POST', '/events?debug=1&id[]=x'],
      ['GET', '/'],
      ['GET', '/favicon.ico'],
      ['POST', '/events%00'],
      ['GET', `/${'a'.repeat(4000)}`],
      ['GET', STYLESHEET_PATH],
      ['GET', `${STYLESHEET_PATH}?v=1`],
      ['GET', '/assets/../../../etc/passwd'],
      ['GET', '/assets/%2e%2e%2fpackage.json'],
      ['GET', '/assets/'],
      ['POST', STYLESHEET_PATH],
      ['GET', '/links/'],
      ['GET', '/links/unknown-action'],
      ['GET', '/links/confirm'],
      ['POST', '/links/unsubscribe'],
    ]);
    const withBody = method !== 'GET' && method !== 'HEAD';
    return {
      index: ctx.index,
      category: 'route',
      note: `${method} ${path.slice(0, 60)}`,
      method,
      path,
      headers: JSON_TYPE,
      ...(withBody ? { body: Buffer.from(JSON.stringify(validEvent(ctx))) } : {}),
    };
  },
};

const RAW_TOKENS = [
  '',
  'x',
  'null',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1XzEiLCJhY3QiOiJ1bnN1YnNjcmliZSIsImlzcyI6InJlYm91bmQifQ.',
  'eyJhbGciOiJIUzI1NiIsImtpZCI6Im5vcGUifQ.e30.AAAA',
  'a.b.c',
  '....',
  '%00',
  '😀',
  'x'.repeat(8000),
];

const FORM_BODIES: readonly (readonly [string, string])[] = [
  ['application/x-www-form-urlencoded', 'days=7'],
  ['application/x-www-form-urlencoded', 'days=999&optOuts=follow_up&optOuts=nope&pauseWeeks=-1'],
  ['application/x-www-form-urlencoded', '__proto__[admin]=1&constructor[prototype][x]=1'],
  ['application/x-www-form-urlencoded', 'a=%ZZ&b=%E0%A4%A'],
  ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click'],
  ['application/json', '{"days":7}'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="days"\r\n\r\n7\r\n--x--'],
  ['text/plain', 'hello'],
  ['application/x-www-form-urlencoded', `x=${'y'.repeat(70_000)}`],
];

/**
 * A link page (`/links/{action}?t=…`). GETs carry any token, valid ones included: a GET must change nothing,
 * which the written check then proves. POSTs carry only tokens the page must refuse (a valid POST records a
 * change, which this fuzz does not model), with odd form bodies.
 */
function linkRequest(ctx: Context): FuzzRequest {
  const { rng } = ctx;
  const action = rng.pick(LINK_ACTIONS);
  const post = rng.chance(0.4);
  const raw = rng.chance(0.3);
  let token: TokenRecipe;
  if (raw) {
    token = { kind: 'raw', value: rng.pick(RAW_TOKENS) };
  } else {
    const tamper = post
      ? rng.pick(['signature', 'payload', 'foreign-key'] as const)
      : rng.pick(['none', 'none', 'none', 'signature', 'payload', 'foreign-key'] as const);
    const signedFor = rng.chance(0.2) ? rng.pick(LINK_ACTIONS) : action;
    const expires = LINK_LIFETIME_SECONDS[signedFor] !== undefined;
    token = {
      kind: 'signed',
      action: signedFor,
      email: rng.chance(0.8) ? `fuzz-${rng.int(1, 300)}@example.com` : `nobody-${ctx.index}@example.com`,
      ...(rng.chance(0.6)
        ? { target: rng.pick([`app-${rng.int(1, 20)}`, `r_${'0'.repeat(30)}`, '', '../x']) }
        : {}),
      ageDays: expires && rng.chance(0.2) ? 400 : 0,
      tamper,
    };
  }
  const note =
    token.kind === 'raw'
      ? `${post ? 'POST' : 'GET'} /links/${action}, raw token ${JSON.stringify(token.value.slice(0, 30))}`
      : `${post ? 'POST' : 'GET'} /links/${action}, token for ${token.action}, ${token.ageDays} days old, tamper ${token.tamper}`;
  const path = rng.chance(0.05) ? `/links/${action}?t={token}&t=second` : `/links/${action}?t={token}`;
  if (!post) return { index: ctx.index, category: 'link', note, method: 'GET', path, headers: {}, token };
  const [contentType, body] = rng.pick(FORM_BODIES);
  return {
    index: ctx.index,
    category: 'link',
    note: `${note}, ${contentType}`,
    method: 'POST',
    path,
    headers: { 'content-type': contentType },
    body: Buffer.from(body),
    token,
  };
}

/** How often each kind of request comes up, out of 100. */
const MIX: readonly (readonly [number, FuzzCategory])[] = [
  [16, 'valid'],
  [4, 'duplicate'],
  [3, 'conflict'],
  [15, 'wrong-type'],
  [5, 'empty'],
  [9, 'date'],
  [9, 'unicode'],
  [6, 'prototype-key'],
  [5, 'duplicate-key'],
  [3, 'size'],
  [7, 'content-type'],
  [8, 'garbage'],
  [5, 'route'],
  [5, 'link'],
  [6, 'auth'],
];

/** The `count` requests of a run, the same for the same seed (and clock, which only moves valid times). */
export function generateRequests(options: {
  readonly count: number;
  readonly seed: number;
  readonly now: Date;
}): FuzzRequest[] {
  const rng = new Rng(options.seed);
  const requests: FuzzRequest[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const category = rng.weighted(MIX);
    requests.push(
      GENERATORS[category]({ rng, index, seed: options.seed, now: options.now, earlier: requests }),
    );
  }
  return requests;
}
