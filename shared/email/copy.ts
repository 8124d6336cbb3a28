/**
 * The words of Rebound's emails, as plain strings and small functions. Nothing here is HTML: the same
 * words go verbatim into subjects and plain-text parts, and through escaping JSX into HTML parts
 * (`digest.tsx`, `confirmation.tsx`). So a company called `<b>Acme</b>` reads exactly so everywhere.
 *
 * The reasoning behind each reminder comes from the article Rebound started from; the sentences are ours.
 */
import type { ReminderKind } from '../domain/model.ts';

/** What the copy of a reminder may mention about its application. */
export interface CopyVars {
  readonly company: string;
  /** `undefined` when the integrator did not send one. */
  readonly role: string | undefined;
  /** "the X role", or "the open role" when the role is unknown. */
  readonly position: string;
}

/** The copy for one reminder. */
export interface ReminderCopy {
  /** Heading of the reminder inside the email. */
  readonly title: string;
  /** What to do and why, in one sentence. */
  readonly why: string;
  /** Subject of a digest that holds only this reminder. */
  readonly subject: (vars: Pick<CopyVars, 'company'>) => string;
  /** The message we suggest the user sends to their contact. */
  readonly message: {
    readonly subject: (vars: CopyVars) => string;
    /** The paragraph between greeting and sign-off (those are added by `messageText` in `render.ts`). */
    readonly body: (vars: CopyVars) => string;
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
    subject: ({ company }) => `Time to follow up with ${company}`,
    message: {
      subject: ({ role }) =>
        role ? `Following up on my application: ${role}` : 'Following up on my application',
      body: ({ company, position }) =>
        `I am writing to check on my application for ${position} at ${company}. I am still very interested, and I would be glad to send anything else that helps with your decision.`,
    },
    final: {
      title: 'Send one last follow-up',
      why: 'There is still no reply, so one final, polite note gives them a last chance to answer before you stop waiting and put your time into openings that are still moving.',
      subject: ({ company }) => `One last follow-up with ${company}`,
      message: {
        subject: ({ role }) => (role ? `Checking in one last time: ${role}` : 'Checking in one last time'),
        body: ({ company, position }) =>
          `I am following up one last time on my application for ${position} at ${company}. If the position has been filled or my profile is not the right fit, a short reply would help me plan my next steps. Thank you for considering me either way.`,
      },
    },
  },
  thank_you: {
    title: 'Thank them for the interview',
    why: 'A brief thank-you soon after the interview leaves a good impression on the people you met and starts a relationship worth keeping, whatever they decide.',
    subject: ({ company }) => `Send ${company} a thank-you note`,
    message: {
      subject: ({ role }) => (role ? `Thank you for the interview: ${role}` : 'Thank you for the interview'),
      body: ({ company, position }) =>
        `Thank you for taking the time to talk with me about ${position} at ${company}. I enjoyed learning more about the team, and our conversation made me even keener on the job. Please let me know if I can send you anything else.`,
    },
  },
  ask_feedback: {
    title: 'Ask what would have made the difference',
    why: 'The hiring manager who turned you down knows best what held your application back, and a polite question costs you nothing while the answer can make your next attempt stronger.',
    subject: ({ company }) => `Ask ${company} for feedback`,
    message: {
      subject: ({ role }) => (role ? `Feedback on my application: ${role}` : 'Feedback on my application'),
      body: ({ company, position }) =>
        `Thank you for letting me know your decision about ${position} at ${company}. I am working on improving my applications, and I would value your honest view: what would have made the difference for me? Even a few lines would help a lot.`,
    },
  },
  apply_formally: {
    title: 'Apply through the official channel',
    why: 'They said they only consider applications that come through their formal process, so apply there and then tell your contact, which turns an informal conversation into a real candidacy.',
    subject: ({ company }) => `Apply to ${company} through their official channel`,
    message: {
      subject: ({ role }) => (role ? `My formal application for ${role}` : 'My formal application'),
      body: ({ company, position }) =>
        `Thank you for pointing me to your application process. I have now applied for ${position} at ${company} through the official channel and wanted to let you know. I look forward to hearing from you.`,
    },
  },
  reconnect: {
    title: 'Check back in about new openings',
    why: 'A job search takes about 18 weeks on average, so if you are still looking a month or two after this rejection, a friendly note to the hiring manager can turn up new openings and remind them what you bring.',
    subject: ({ company }) => `Time to check back in with ${company}`,
    message: {
      subject: ({ role }) =>
        role ? `Staying in touch after my application for ${role}` : 'Staying in touch',
      body: ({ company, position }) =>
        `We were in touch a while ago about ${position} at ${company}, and I wanted to say hello again. I am still keen to work with your team, so I would be glad to hear about any opening that fits my experience. Thank you again for your time.`,
    },
  },
};

/** Wording of the digest around the reminders. */
export const DIGEST_COPY = {
  heading: 'Your next steps',
  subjectSameCompany: (count: number, company: string) => `${count} next steps with ${company} today`,
  subjectSeveral: (count: number) => `${count} next steps for your job search today`,
  introOne: 'Here is one thing you can do today to keep your job search moving.',
  introSeveral: (count: number) =>
    `Here are ${count} things you can do today to keep your job search moving.`,
  writeTo: (contactLabel: string) => `Write to ${contactLabel}`,
  sendTo: (address: string) => `Send it to ${address}, or open a ready-made draft:`,
  copyHint: (contactLabel: string) =>
    `We do not have an email address for ${contactLabel}, so copy the message below and send it yourself.`,
  unknownContact: (company: string) => `your contact at ${company}`,
  suggestedMessage: 'Suggested message',
  messageSubject: 'Subject:',
  /** The suggested message's greeting to the contact; the comma follows. */
  messageGreeting: (contactName: string | undefined) => (contactName ? `Hello ${contactName}` : 'Hello'),
  signOff: 'Best regards',
  /** Above the per-reminder actions, so they do not read as part of the suggested message. */
  actionsHeading: 'Done, or not now?',
  footer:
    'You are getting this email because you, or a career service helping you, sent Rebound updates about your job applications, and Rebound turns those updates into reminders like these.',
} as const;

/** The labels of the links in every email. Each one says what it does; the page behind it asks once more. */
export const LINK_COPY = {
  /** Records the reminder as done. */
  done: 'I did it',
  /** Opens a page that offers 3 days or 1 week. */
  snooze: 'Snooze',
  /** Cancels everything pending for the reminder's application. */
  stop: (company: string) => `Stop reminders for ${company}`,
  preferences: 'Manage preferences',
  unsubscribe: 'Unsubscribe',
} as const;

/** The double opt-in email: what Rebound is, who asked, and the two ways to answer. */
export const CONFIRMATION_COPY = {
  subject: 'Do you want job-search reminders from Rebound?',
  heading: 'Do you want reminders for your job search?',
  what: 'Rebound sends you short, timely reminders while you look for a job: when to follow up on an application, when to say thank you after an interview, when to ask for feedback, and when to get back in touch about new openings.',
  who: (email: string) =>
    `You, or a career service helping you, asked us to send these reminders to ${email}. We will not send any until you say yes.`,
  confirm: 'Yes, send me reminders',
  notMeQuestion: 'Not expecting this email?',
  notMe: "This wasn't me",
  notMeEffect: 'stops all email to this address, for good.',
  ignore: 'If you do nothing, you will not get any reminders.',
} as const;

/** Shared by every email. */
export const COMMON_COPY = {
  /** The greeting to the user; the name only when it is known. */
  greeting: (name: string | undefined) => `Hi ${name ?? 'there'},`,
  sentTo: (email: string) => `This email was sent to ${email}.`,
} as const;
