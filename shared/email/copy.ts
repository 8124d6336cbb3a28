/**
 * The wording of the digest email. Templates here are Handlebars sources rendered in the plain-text
 * environment (no escaping): their output is a subject line or a message body, never HTML. Anything
 * that ends up in the HTML part is escaped there by `{{ }}`.
 *
 * The reasoning behind each reminder comes from the article Rebound started from; the sentences are ours.
 */
import type { ReminderKind } from '../domain/model.ts';

/** The copy for one reminder. */
export interface ReminderCopy {
  /** Heading of the reminder inside the email. */
  readonly title: string;
  /** What to do and why, in one sentence. */
  readonly why: string;
  /** Subject of a digest that holds only this reminder. Template; variables: `company`. */
  readonly subject: string;
  /** The message we suggest the user sends to their contact. */
  readonly message: {
    /** Template; variables: `company`, `role` (null when unknown), `position`. */
    readonly subject: string;
    /**
     * The paragraph between greeting and sign-off (those are added by `MESSAGE_TEXT`).
     * Template; variables: `company`, `role` (null when unknown), `position` ("the X role" or "the open role").
     */
    readonly body: string;
  };
}

/** The copy for one kind; `final` replaces it from the second reminder of that kind on. */
export interface KindCopy extends ReminderCopy {
  readonly final?: ReminderCopy | undefined;
}

export const REMINDER_COPY: Readonly<Record<ReminderKind, KindCopy>> = {
  follow_up: {
    title: 'Follow up on your application',
    why: 'You have not heard back yet, and a short, friendly check-in either moves things along or gets you a clear answer, which helps you more than silence does.',
    subject: 'Time to follow up with {{company}}',
    message: {
      subject: 'Following up on my application{{#if role}}: {{role}}{{/if}}',
      body: 'I am writing to check on my application for {{position}} at {{company}}. I am still very interested, and I would be glad to send anything else that helps with your decision.',
    },
    final: {
      title: 'Send one last follow-up',
      why: 'There is still no reply, so one final, polite note gives them a last chance to answer before you stop waiting and put your time into openings that are still moving.',
      subject: 'One last follow-up with {{company}}',
      message: {
        subject: 'Checking in one last time{{#if role}}: {{role}}{{/if}}',
        body: 'I am following up one last time on my application for {{position}} at {{company}}. If the position has been filled or my profile is not the right fit, a short reply would help me plan my next steps. Thank you for considering me either way.',
      },
    },
  },
  thank_you: {
    title: 'Thank them for the interview',
    why: 'A brief thank-you soon after the interview leaves a good impression on the people you met and starts a relationship worth keeping, whatever they decide.',
    subject: 'Send {{company}} a thank-you note',
    message: {
      subject: 'Thank you for the interview{{#if role}}: {{role}}{{/if}}',
      body: 'Thank you for taking the time to talk with me about {{position}} at {{company}}. I enjoyed learning more about the team, and our conversation made me even keener on the job. Please let me know if I can send you anything else.',
    },
  },
  ask_feedback: {
    title: 'Ask what would have made the difference',
    why: 'The hiring manager who turned you down knows best what held your application back, and a polite question costs you nothing while the answer can make your next attempt stronger.',
    subject: 'Ask {{company}} for feedback',
    message: {
      subject: 'Feedback on my application{{#if role}}: {{role}}{{/if}}',
      body: 'Thank you for letting me know your decision about {{position}} at {{company}}. I am working on improving my applications, and I would value your honest view: what would have made the difference for me? Even a few lines would help a lot.',
    },
  },
  apply_formally: {
    title: 'Apply through the official channel',
    why: 'They said they only consider applications that come through their formal process, so apply there and then tell your contact, which turns an informal conversation into a real candidacy.',
    subject: 'Apply to {{company}} through their official channel',
    message: {
      subject: 'My formal application{{#if role}} for {{role}}{{/if}}',
      body: 'Thank you for pointing me to your application process. I have now applied for {{position}} at {{company}} through the official channel and wanted to let you know. I look forward to hearing from you.',
    },
  },
  reconnect: {
    title: 'Check back in about new openings',
    why: 'A job search takes about 18 weeks on average, so if you are still looking a month or two after this rejection, a friendly note to the hiring manager can turn up new openings and remind them what you bring.',
    subject: 'Time to check back in with {{company}}',
    message: {
      subject: 'Staying in touch{{#if role}} after my application for {{role}}{{/if}}',
      body: 'We were in touch a while ago about {{position}} at {{company}}, and I wanted to say hello again. I am still keen to work with your team, so I would be glad to hear about any opening that fits my experience. Thank you again for your time.',
    },
  },
};

/** Wording around the reminders. Templates are rendered in the plain-text environment too. */
export const DIGEST_COPY = {
  heading: 'Your next steps',
  /** Variables: `count`, `company`. */
  subjectSameCompany: '{{count}} next steps with {{company}} today',
  /** Variables: `count`. */
  subjectSeveral: '{{count}} next steps for your job search today',
  /** Variables: `name` (null when unknown). */
  greeting: 'Hi {{#if name}}{{name}}{{else}}there{{/if}},',
  introOne: 'Here is one thing you can do today to keep your job search moving.',
  /** Variables: `count`. */
  introSeveral: 'Here are {{count}} things you can do today to keep your job search moving.',
  /** Variables: `contactLabel`. */
  copyHint:
    'We do not have an email address for {{contactLabel}}, so copy the message below and send it yourself.',
  /** Variables: `company`. */
  unknownContact: 'your contact at {{company}}',
  footer:
    'You are getting this email because you, or a career service helping you, sent Rebound updates about your job applications, and Rebound turns those updates into reminders like these.',
} as const;
