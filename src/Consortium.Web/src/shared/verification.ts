/**
 * The states of a verification, in order (the server's VerificationStates.All): one column per state. Which states
 * come next is the server's answer (`nextStates`, and `allowedNextStates` for the caller); the web never computes it.
 */
export const verificationStates = [
  'unverified',
  'identified',
  'consent-obtained',
  'forensics-submitted',
  'infected',
  'attempted',
  'inconclusive',
  'no-evidence',
  'peer-reviewed',
] as const;

export type VerificationState = (typeof verificationStates)[number];
