/** Small normalisers for values integrators send, shared by the renderers. */

/** Blank strings count as unknown, so a greeting never reads "Hello ,". */
export function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Header values must stay on one line; a line break in a company name must not leak into a subject. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
