/** @jsxImportSource hono/jsx */
/**
 * The shared components of the one web layer: button, field, choices, error summary, table and an SVG
 * bar chart rendered on the server. Every control has a visible label; errors are summarised at the top
 * with links to their fields and repeated beside each field (GOV.UK Design System pattern).
 */
import type { Child } from 'hono/jsx';

export interface FieldError {
  /** The id of the field the error belongs to (the summary links to `#<field>`). */
  readonly field: string;
  readonly message: string;
}

export function ErrorSummary(props: { readonly errors: readonly FieldError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex={-1}>
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {props.errors.map((e) => (
          <li>
            <a href={`#${e.field}`}>{e.message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export type ButtonVariant = 'primary' | 'secondary' | 'warning';

/** A submit button. Its words say what it does ("Yes, send me reminders", not "Submit"). */
export function Button(props: {
  readonly children: Child;
  readonly variant?: ButtonVariant;
  readonly name?: string;
  readonly value?: string;
}) {
  const variant = props.variant && props.variant !== 'primary' ? ` button--${props.variant}` : '';
  return (
    <button type="submit" class={`button${variant}`} name={props.name} value={props.value}>
      {props.children}
    </button>
  );
}

/** A POST form with one button: the shape of every state change reached from a link. */
export function ActionForm(props: {
  readonly action: string;
  readonly label: string;
  readonly variant?: ButtonVariant;
  readonly hidden?: Readonly<Record<string, string>>;
  readonly inline?: boolean;
}) {
  return (
    <form method="post" action={props.action} class={props.inline ? 'inline-form' : undefined}>
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <Button variant={props.variant ?? 'primary'}>{props.label}</Button>
    </form>
  );
}

export function TextField(props: {
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  readonly error?: string | undefined;
  readonly value?: string | undefined;
  readonly type?: 'text' | 'email' | 'date' | 'datetime-local';
  readonly autocomplete?: string;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={props.error ? 'field field--error' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <span class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span class="field-error" id={`${props.id}-error`}>
          <span class="skip">Error:</span> {props.error}
        </span>
      ) : null}
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        autocomplete={props.autocomplete}
        aria-describedby={describedBy || undefined}
        aria-invalid={props.error ? 'true' : undefined}
      />
    </div>
  );
}

/** A labelled drop-down: for filters and short fixed lists where radios would take too much room. */
export function Select(props: {
  readonly id: string;
  readonly label: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly value?: string | undefined;
  readonly hint?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <span class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      <select id={props.id} name={props.id} aria-describedby={props.hint ? `${props.id}-hint` : undefined}>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === (props.value ?? '')}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export interface Choice {
  readonly value: string;
  readonly label: string;
  readonly checked?: boolean;
}

/** Radios or checkboxes in a fieldset whose legend is the question. */
export function Choices(props: {
  readonly name: string;
  readonly legend: string;
  readonly type: 'radio' | 'checkbox';
  readonly choices: readonly Choice[];
  readonly hint?: string;
  readonly error?: string | undefined;
}) {
  return (
    <div class={props.error ? 'field field--error' : 'field'} id={props.name}>
      <fieldset aria-describedby={props.hint ? `${props.name}-hint` : undefined}>
        <legend>{props.legend}</legend>
        {props.hint ? (
          <span class="hint" id={`${props.name}-hint`}>
            {props.hint}
          </span>
        ) : null}
        {props.error ? <span class="field-error">{props.error}</span> : null}
        {props.choices.map((c, i) => (
          <div class="choice">
            <input
              type={props.type}
              id={`${props.name}-${i}`}
              name={props.name}
              value={c.value}
              checked={c.checked ?? false}
            />
            <label for={`${props.name}-${i}`}>{c.label}</label>
          </div>
        ))}
      </fieldset>
    </div>
  );
}

export function Table(props: {
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly Child[])[];
  /** Shown instead of an empty table. */
  readonly empty?: string;
}) {
  if (props.rows.length === 0) return <p>{props.empty ?? 'Nothing to show.'}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="skip">{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {row.map((cell) => (
                <td>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface ChartColumn {
  readonly label: string;
  /** Stacked segments, bottom first; `series` names a CSS class `k-<series>` for the colour. */
  readonly segments: readonly { readonly series: string; readonly value: number }[];
}

/** A stacked bar chart as server-rendered SVG, with a text alternative; no script. */
export function BarChart(props: {
  readonly title: string;
  readonly columns: readonly ChartColumn[];
  readonly series: readonly { readonly key: string; readonly label: string }[];
}) {
  const width = 640;
  const height = 200;
  const bottom = 24;
  const max = Math.max(1, ...props.columns.map((c) => c.segments.reduce((sum, s) => sum + s.value, 0)));
  const barWidth = width / Math.max(1, props.columns.length);
  const scale = (height - bottom - 8) / max;
  const total = props.columns.reduce((sum, c) => sum + c.segments.reduce((s, x) => s + x.value, 0), 0);
  return (
    <figure>
      <svg
        class="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${props.title}: ${total} in all, at most ${max} on one day`}
      >
        {props.columns.map((column, i) => {
          let y = height - bottom;
          return (
            <g>
              {column.segments.map((s) => {
                const h = s.value * scale;
                y -= h;
                return (
                  <rect class={`k-${s.series}`} x={i * barWidth + 1} y={y} width={barWidth - 2} height={h}>
                    <title>{`${column.label} ${s.series}: ${s.value}`}</title>
                  </rect>
                );
              })}
              {i % 7 === 0 ? (
                <text x={i * barWidth} y={height - 8}>
                  {column.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {props.title}
        <ul class="legend">
          {props.series.map((s) => (
            <li>
              <span class={`k-${s.key}`} aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
