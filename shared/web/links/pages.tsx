/** @jsxImportSource hono/jsx */
/**
 * The pages behind the links in Rebound's emails. A GET shows what will happen and one button; the POST
 * does it and shows the result. Words are plain and say what each button does.
 */
import type { LinkAction } from '../../links/actions.ts';
import { ActionForm, Button, Choices, ErrorSummary, type FieldError } from '../components.tsx';
import { Layout } from '../layout.tsx';

export const KIND_LABELS: Readonly<Record<string, string>> = {
  follow_up: 'Follow-ups on applications with no answer',
  thank_you: 'Thank-you notes after interviews',
  ask_feedback: 'Asking for feedback after a rejection',
  apply_formally: 'Applying formally when a company only takes applications',
  reconnect: 'Reconnecting with a hiring manager a month or two after a rejection',
};

/** What a page knows about the link's target, loaded after the token was verified. */
export interface LinkContext {
  readonly firstName?: string | undefined;
  /** For reminder and application links. */
  readonly company?: string | undefined;
  readonly reminderLabel?: string | undefined;
  /** For the preferences page. */
  readonly optOuts?: readonly string[];
  readonly pausedUntil?: string | undefined;
  readonly consent?: string | undefined;
}

const TITLES: Readonly<Record<LinkAction, string>> = {
  confirm: 'Confirm you want reminders',
  'not-me': 'Stop all email to this address',
  done: 'Mark this reminder as done',
  snooze: 'Snooze this reminder',
  stop: 'Stop reminders for this application',
  unsubscribe: 'Unsubscribe from Rebound',
  preferences: 'Your email preferences',
};

function about(ctx: LinkContext): string {
  if (ctx.reminderLabel && ctx.company) return `${ctx.reminderLabel} for ${ctx.company}`;
  return ctx.company ?? 'this reminder';
}

/** GET: what will happen, and the button that does it. */
export function ConfirmActionPage(props: {
  readonly action: Exclude<LinkAction, 'preferences' | 'snooze'>;
  readonly formAction: string;
  readonly ctx: LinkContext;
}) {
  const { action, ctx } = props;
  const body: Record<typeof action, { text: string; button: string; variant?: 'warning' }> = {
    confirm: {
      text: 'You, or a career service helping you, asked Rebound to email you reminders during your job search: when to follow up, say thank you, ask for feedback and reconnect. We send nothing else, and you can stop at any time.',
      button: 'Yes, send me reminders',
    },
    'not-me': {
      text: 'If you did not ask for Rebound reminders, we will never email this address again. Nobody needs to confirm anything.',
      button: 'Stop all email to this address',
      variant: 'warning',
    },
    done: {
      text: `We will record that you did this: ${about(ctx)}. You will get no more emails about it.`,
      button: 'Mark as done',
    },
    stop: {
      text: `We will cancel every reminder still waiting for ${ctx.company ?? 'this application'}. Reminders about your other applications carry on.`,
      button: 'Stop reminders for this application',
      variant: 'warning',
    },
    unsubscribe: {
      text: 'We will stop sending you reminders. You can come back later through a new confirmation email.',
      button: 'Unsubscribe from all reminders',
      variant: 'warning',
    },
  };
  const page = body[action];
  return (
    <Layout title={TITLES[action]}>
      <h1>{TITLES[action]}</h1>
      <p class="lead">{page.text}</p>
      <ActionForm action={props.formAction} label={page.button} variant={page.variant ?? 'primary'} />
    </Layout>
  );
}

export function SnoozePage(props: {
  readonly formAction: string;
  readonly ctx: LinkContext;
  readonly errors?: readonly FieldError[];
}) {
  const errors = props.errors ?? [];
  return (
    <Layout title={`${errors.length ? 'Error: ' : ''}${TITLES.snooze}`}>
      <ErrorSummary errors={errors} />
      <h1>{TITLES.snooze}</h1>
      <p class="lead">We will send {about(props.ctx)} again later, at 09:00 on a weekday.</p>
      <form method="post" action={props.formAction}>
        <Choices
          name="days"
          legend="When should we remind you again?"
          type="radio"
          error={errors.find((e) => e.field === 'days')?.message}
          choices={[
            { value: '3', label: 'In 3 days' },
            { value: '7', label: 'In 1 week' },
          ]}
        />
        <Button>Snooze reminder</Button>
      </form>
    </Layout>
  );
}

export function PreferencesPage(props: {
  readonly formAction: string;
  readonly ctx: LinkContext;
  readonly errors?: readonly FieldError[];
}) {
  const { ctx } = props;
  const errors = props.errors ?? [];
  return (
    <Layout title={`${errors.length ? 'Error: ' : ''}${TITLES.preferences}`}>
      <ErrorSummary errors={errors} />
      <h1>{TITLES.preferences}</h1>
      {ctx.pausedUntil ? (
        <div class="panel">Reminders are paused until {ctx.pausedUntil.slice(0, 10)}.</div>
      ) : null}
      <form method="post" action={props.formAction}>
        <input type="hidden" name="intent" value="save" />
        <Choices
          name="kinds"
          legend="Which reminders do you want?"
          hint="Untick what you do not want. We cancel waiting reminders of that kind."
          type="checkbox"
          choices={Object.entries(KIND_LABELS).map(([value, label]) => ({
            value,
            label,
            checked: !(ctx.optOuts ?? []).includes(value),
          }))}
        />
        <Choices
          name="pause"
          legend="Pause reminders"
          hint="A pause drops follow-ups and thank-you notes that fall inside it, because they would be stale; reconnect reminders wait until it ends."
          type="radio"
          error={errors.find((e) => e.field === 'pause')?.message}
          choices={[
            {
              value: 'keep',
              label: ctx.pausedUntil ? 'Keep the current pause' : 'Do not pause',
              checked: true,
            },
            { value: '2', label: 'Pause for 2 weeks' },
            { value: '4', label: 'Pause for 4 weeks' },
            { value: '8', label: 'Pause for 8 weeks' },
            ...(ctx.pausedUntil ? [{ value: '0', label: 'Resume reminders now' }] : []),
          ]}
        />
        <Button>Save preferences</Button>
      </form>
      <h2>Stop everything</h2>
      <ActionForm
        action={props.formAction}
        hidden={{ intent: 'unsubscribe' }}
        label="Unsubscribe from all reminders"
        variant="secondary"
      />
      <h2>Delete my data</h2>
      <p>
        We delete your applications, reminders and history, and cancel every waiting reminder. We keep only a
        scrambled marker of your address, so that nobody can use Rebound to flood it with confirmation emails.
      </p>
      <ActionForm
        action={props.formAction}
        hidden={{ intent: 'delete' }}
        label="Delete my data"
        variant="warning"
      />
    </Layout>
  );
}

const RESULTS: Readonly<Record<string, { title: string; text: string }>> = {
  confirm: {
    title: 'You will get reminders',
    text: 'Thank you. Reminders already due arrive together at the next 09:00 on a weekday, later ones at their own time.',
  },
  'not-me': {
    title: 'We will not email you again',
    text: 'This address will get no more email from Rebound. Sorry for the trouble.',
  },
  done: { title: 'Marked as done', text: 'Well done. You will get no more emails about this reminder.' },
  snooze: { title: 'Reminder snoozed', text: 'We will remind you again at 09:00 on the day you chose.' },
  stop: { title: 'Reminders stopped', text: 'You will get no more reminders about this application.' },
  unsubscribe: { title: 'You are unsubscribed', text: 'We will not send you any more reminders.' },
  save: { title: 'Preferences saved', text: 'Your choices apply from now on.' },
  delete: {
    title: 'Your data is being deleted',
    text: 'Within a few minutes every application, reminder and event we hold for you is gone. You will get no more email.',
  },
};

export function ResultPage(props: { readonly result: keyof typeof RESULTS }) {
  const result = RESULTS[props.result] ?? { title: 'Done', text: 'Your change was saved.' };
  return (
    <Layout title={result.title}>
      <div class="panel panel--ok">
        <h1>{result.title}</h1>
        <p>{result.text}</p>
      </div>
    </Layout>
  );
}

/** A link that cannot be used: say why, and what to do instead. Nothing was changed. */
export function BadLinkPage(props: { readonly problem: 'expired' | 'invalid' | 'wrong_action' | 'gone' }) {
  const texts = {
    expired: [
      'This link has expired',
      'Links to act on a reminder work for 60 days, confirmation links for 30. Use the links in your most recent Rebound email, or the "Manage preferences" link at the bottom of any email, which does not expire.',
    ],
    invalid: [
      'This link does not work',
      'It may have been cut short or changed. Copy the whole link from the email into your browser, or use the "Manage preferences" link at the bottom of any Rebound email.',
    ],
    wrong_action: [
      'This link does not work',
      'It belongs to another button in the email. Go back to the email and use the link next to what you want to do.',
    ],
    gone: [
      'We hold no data for this link',
      'The reminder or the account it points to no longer exists, perhaps because the data was deleted. There is nothing to do.',
    ],
  } as const;
  const [title, text] = texts[props.problem];
  return (
    <Layout title={title}>
      <h1>{title}</h1>
      <p>{text}</p>
      <p>Nothing was changed.</p>
    </Layout>
  );
}
