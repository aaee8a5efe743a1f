/**
 * The verification state machine of the server (Contracts.cs, VerificationStates): one column per state, in order.
 * The server decides every move; `nextStates` only picks which buttons a card offers. Shared by the board and the
 * record page; it goes once the annotation's answer carries its allowed next states (issue 16).
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

export function nextStates(state: string): VerificationState[] {
  switch (state) {
    case 'unverified':
      return ['identified'];
    case 'identified':
      return ['consent-obtained'];
    case 'consent-obtained':
      return ['forensics-submitted'];
    case 'forensics-submitted':
      return ['infected', 'attempted', 'inconclusive', 'no-evidence'];
    case 'infected':
    case 'attempted':
    case 'inconclusive':
    case 'no-evidence':
      return ['peer-reviewed'];
    default:
      return [];
  }
}
