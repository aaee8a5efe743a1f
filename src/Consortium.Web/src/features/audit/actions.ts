import { auditActions, type AuditAction } from '../../api/types';
import { t, type MessageKey } from '../../i18n';

const actionKeys: Record<AuditAction, MessageKey> = {
  'record.read': 'audit.action.record.read',
  'records.listed': 'audit.action.records.listed',
  'records.searched': 'audit.action.records.searched',
  'records.imported': 'audit.action.records.imported',
  'annotation.added': 'audit.action.annotation.added',
  'investigation.created': 'audit.action.investigation.created',
  'dataset.created': 'audit.action.dataset.created',
  'signin.succeeded': 'audit.action.signin.succeeded',
  'signin.failed': 'audit.action.signin.failed',
  'grant.added': 'audit.action.grant.added',
  'grant.revoked': 'audit.action.grant.revoked',
  'member.removed': 'audit.action.member.removed',
  export: 'audit.action.export',
};

function isKnownAction(action: string): action is AuditAction {
  return (auditActions as readonly string[]).includes(action);
}

/** A readable label for an audit action; an action this UI does not know yet shows as the server names it. */
export function actionLabel(action: string): string {
  return isKnownAction(action) ? t(actionKeys[action]) : action;
}

/** The action filter's choices, grouped the way a coordinator looks for them. */
export const actionGroups: ReadonlyArray<{ label: MessageKey; actions: readonly AuditAction[] }> = [
  { label: 'audit.group.reading', actions: ['record.read', 'records.listed', 'records.searched', 'export'] },
  {
    label: 'audit.group.changes',
    actions: ['investigation.created', 'dataset.created', 'records.imported', 'annotation.added'],
  },
  { label: 'audit.group.access', actions: ['grant.added', 'grant.revoked', 'member.removed'] },
  { label: 'audit.group.signIn', actions: ['signin.succeeded', 'signin.failed'] },
];

const targetKeys: Record<string, MessageKey> = {
  investigation: 'audit.target.investigation',
  dataset: 'audit.target.dataset',
  record: 'audit.target.record',
  annotation: 'audit.target.annotation',
  user: 'audit.target.user',
  account: 'audit.target.account',
  client: 'audit.target.client',
};

export function targetLabel(targetType: string): string {
  const key = targetKeys[targetType];
  return key ? t(key) : targetType;
}
