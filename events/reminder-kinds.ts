/** The reminder kinds, as contracts name them (the domain model re-exports the same list). */
export const REMINDER_KINDS_FOR_CONTRACT = [
  'follow_up',
  'thank_you',
  'ask_feedback',
  'apply_formally',
  'reconnect',
] as const;
