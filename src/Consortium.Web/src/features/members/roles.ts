import type { InvestigationRole, Member } from '../../api/types';
import { t, type MessageKey } from '../../i18n';

const roleKeys: Record<InvestigationRole, MessageKey> = {
  coordinator: 'roles.coordinator',
  editor: 'roles.editor',
  reporter: 'roles.reporter',
  analyst: 'roles.analyst',
  'read-only': 'roles.read-only',
};

export function roleLabel(role: InvestigationRole): string {
  const key = roleKeys[role];
  return key ? t(key) : role;
}

/** The signed-in user's role in an investigation, from its member list (undefined when not listed). */
export function roleOf(members: readonly Member[] | undefined, userId: string): InvestigationRole | undefined {
  return members?.find((m) => m.userId === userId)?.role;
}
