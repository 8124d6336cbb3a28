/**
 * The part of Lambda's event-filter pattern language that Rebound deploys (`PLANNER_STREAM_FILTER`): exact
 * values and `prefix`, in nested objects. CDK hands the same object to AWS, so the twin filters as AWS does.
 * Any other operator (`suffix`, `exists`, `anything-but`, `numeric`, ...) is refused when the pattern is
 * compiled, that is when the poller is constructed, so a pattern the twin would mis-evaluate never runs.
 */

/** A pattern is malformed or uses an operator the twin does not emulate. */
export class FilterPatternError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'FilterPatternError';
  }
}

export type RecordPredicate = (record: unknown) => boolean;

/**
 * Validate `pattern` once and return its predicate.
 *
 * - Every key of a pattern object must match (AND); a nested object descends into the record.
 * - A leaf is an array of rules; one matching rule is enough (OR).
 * - A rule is a JSON scalar (equal, same type) or `{ "prefix": "<string>" }` (strings only).
 * - When the record value is an array, a rule matches if any element does; a missing field never matches.
 *
 * @throws FilterPatternError naming the path and the operator, when the pattern is malformed or uses an
 *   operator other than `prefix`.
 */
export function compileFilter(pattern: unknown): RecordPredicate {
  if (!isPlainObject(pattern)) throw new FilterPatternError('A stream filter pattern must be a JSON object');
  return compileObject(pattern, 'pattern');
}

type ValuePredicate = (value: unknown) => boolean;

const MISSING: unique symbol = Symbol('missing');

function compileObject(pattern: Record<string, unknown>, path: string): ValuePredicate {
  const fields = Object.entries(pattern).map(([key, sub]) => {
    const subPath = `${path}.${key}`;
    let matches: ValuePredicate;
    if (Array.isArray(sub)) matches = compileLeaf(sub, subPath);
    else if (isPlainObject(sub)) matches = compileObject(sub, subPath);
    else throw new FilterPatternError(`${subPath} must be an array of rules or a nested object`);
    return { key, matches };
  });
  return (value) =>
    fields.every(({ key, matches }) =>
      matches(isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : MISSING),
    );
}

function compileLeaf(rules: readonly unknown[], path: string): ValuePredicate {
  const compiled = rules.map((rule, i) => compileRule(rule, `${path}[${i}]`));
  return (value) =>
    value !== MISSING &&
    compiled.some((matches) => (Array.isArray(value) ? value.some(matches) : matches(value)));
}

function compileRule(rule: unknown, path: string): ValuePredicate {
  if (rule === null || ['string', 'number', 'boolean'].includes(typeof rule)) return (v) => v === rule;
  if (!isPlainObject(rule)) throw new FilterPatternError(`${path} must be a value or an operator object`);
  const keys = Object.keys(rule);
  if (keys.length !== 1) throw new FilterPatternError(`${path} must hold exactly one operator`);
  if (keys[0] !== 'prefix') {
    throw new FilterPatternError(
      `${path}: filter operator "${keys[0]}" is not emulated by the local twin, which knows exact values ` +
        'and "prefix" only (see docs/local-twin.md)',
    );
  }
  const prefix = rule.prefix;
  if (typeof prefix !== 'string') throw new FilterPatternError(`${path}.prefix must be a string`);
  return (v) => typeof v === 'string' && v.startsWith(prefix);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
