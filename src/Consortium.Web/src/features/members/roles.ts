import type { InvestigationRole } from '../../api/types';
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
