import { useId, useState } from 'react';
import { api } from '../../api/client';
import { investigationRoles, type InvestigationRole, type Member } from '../../api/types';
import { ConfirmDialog } from '../../shared/ConfirmDialog';
import { paths, useRouter } from '../../shared/router';
import { Breadcrumbs, investigationTrail, DataTable, ErrorAlert, Loading, PageHeading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t, tp } from '../../i18n';
import { formatDateTime, formatUtc } from '../../shared/datetime';
import { useMe, useOutletName } from '../../shared/session';
import { AddMemberForm } from './AddMemberForm';
import { InvestigationTabs } from '../../shared/InvestigationTabs';
import { roleLabel } from './roles';

function byName(a: Member, b: Member): number {
  return a.displayName.localeCompare(b.displayName);
}

/**
 * The people of an investigation, grouped by outlet, with role and end of access. Coordinators add people, change
 * roles and remove people here; everyone else sees the list read-only.
 */
export function MembersPage({ id }: { id: string }) {
  const me = useMe();
  const { navigate } = useRouter();
  const outletName = useOutletName();
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  const members = useResource((signal) => api.members(id, signal), [id]);
  const [status, setStatus] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const inv = investigation.data;
  const list = members.data;
  const canManage = inv?.myRole === 'coordinator';

  const outletIds = [...new Set([...(inv?.memberOutletIds ?? []), ...(list ?? []).map((m) => m.outletId)])].sort((a, b) =>
    outletName(a).localeCompare(outletName(b)),
  );

  const replace = (member: Member) => {
    members.update((current) => [...current.filter((m) => m.userId !== member.userId), member]);
    // A coordinator who changed their own role no longer manages (or sees the Audit tab) from here on.
    if (member.userId === me.user) investigation.update((current) => ({ ...current, myRole: member.role }));
  };

  const remove = async (member: Member) => {
    await api.removeMember(id, member.userId);
    if (member.userId === me.user) {
      navigate(paths.home());
      return;
    }
    members.update((current) => current.filter((m) => m.userId !== member.userId));
    setStatus(t('members.removed', { name: member.displayName }));
  };

  const title = inv ? t('members.heading', { investigation: inv.name }) : t('members.title');

  return (
    <>
      <Breadcrumbs
        items={[
          ...investigationTrail(id, inv?.name),
          { label: t('members.title') },
        ]}
      />
      {investigation.loading && <Loading />}
      {investigation.error !== undefined && <ErrorAlert error={investigation.error} onRetry={investigation.reload} />}
      {inv && (
        <>
          <PageHeading title={title}>{title}</PageHeading>
          <InvestigationTabs id={id} current="members" myRole={inv.myRole} />
          <StatusMessage message={status} />
          {members.loading && <Loading />}
          {members.error !== undefined && <ErrorAlert error={members.error} onRetry={members.reload} />}
          {list && (
            <>
              {canManage ? (
                <AddMemberForm
                  investigationId={id}
                  onAdded={(member) => {
                    replace(member);
                    setStatus(t('members.add.done', { name: member.displayName, role: roleLabel(member.role) }));
                  }}
                />
              ) : (
                <p className="hint" data-testid="members-read-only">
                  {t('members.readOnly')}
                </p>
              )}
              <div className="member-groups" data-testid="member-list">
                {outletIds.map((outletId) => (
                  <OutletGroup
                    key={outletId}
                    investigationId={id}
                    outlet={outletName(outletId)}
                    members={list.filter((m) => m.outletId === outletId).sort(byName)}
                    myUserId={me.user}
                    canManage={canManage}
                    onChanged={(member) => {
                      replace(member);
                      setStatus(t('members.roleChanged', { name: member.displayName, role: roleLabel(member.role) }));
                    }}
                    onRemove={setRemoving}
                  />
                ))}
              </div>
            </>
          )}
        </>
      )}
      {removing && (
        <ConfirmDialog
          title={t('members.remove.title', { name: removing.displayName })}
          confirmLabel={t('members.remove.confirm')}
          onConfirm={() => remove(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            {removing.userId === me.user
              ? t('members.remove.bodySelf')
              : t('members.remove.body', { name: removing.displayName })}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

interface GroupProps {
  investigationId: string;
  outlet: string;
  members: Member[];
  myUserId: string;
  canManage: boolean;
  onChanged: (member: Member) => void;
  onRemove: (member: Member) => void;
}

function OutletGroup({ investigationId, outlet, members, myUserId, canManage, onChanged, onRemove }: GroupProps) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="section member-group" data-testid="member-group">
      <h2 id={headingId}>
        {outlet} <span className="heading-count">{tp('members.count', members.length)}</span>
      </h2>
      {members.length === 0 ? (
        <p className="empty">{t('members.noneFromOutlet')}</p>
      ) : (
        <div className="table-wrap">
          <DataTable
            caption={t('members.caption', { outlet })}
            columns={[t('members.col.name'), t('members.col.role'), t('members.col.expires'), canManage && t('members.col.actions')]}
          >
              {members.map((member) => (
                <MemberRow
                  key={member.userId}
                  investigationId={investigationId}
                  member={member}
                  isMe={member.userId === myUserId}
                  canManage={canManage}
                  onChanged={onChanged}
                  onRemove={onRemove}
                />
              ))}
          </DataTable>
        </div>
      )}
    </section>
  );
}

interface RowProps {
  investigationId: string;
  member: Member;
  isMe: boolean;
  canManage: boolean;
  onChanged: (member: Member) => void;
  onRemove: (member: Member) => void;
}

function MemberRow({ investigationId, member, isMe, canManage, onChanged, onRemove }: RowProps) {
  const [draft, setDraft] = useState<InvestigationRole>(member.role);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [confirmingDemotion, setConfirmingDemotion] = useState(false);
  const selectId = useId();
  const errorId = useId();

  // The expiry is sent back unchanged: the server replaces role and expiry together.
  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const changed = await api.changeMember(investigationId, member.userId, { role: draft, expiresAt: member.expiresAt });
      onChanged(changed);
    } catch (e) {
      setError(e);
      throw e;
    } finally {
      setSaving(false);
    }
  };

  const requestSave = () => {
    if (isMe && member.role === 'coordinator' && draft !== 'coordinator') setConfirmingDemotion(true);
    else void save().catch(() => undefined);
  };

  return (
    <tr data-testid="member-row" data-user-id={member.userId} data-role={member.role}>
      <th scope="row" className="member-name">
        {member.displayName}
        {isMe && <span className="badge badge-muted">{t('common.you')}</span>}
      </th>
      <td>
        {canManage ? (
          <div className="inline-form">
            <label htmlFor={selectId} className="visually-hidden">
              {t('members.changeRole', { name: member.displayName })}
            </label>
            <select
              id={selectId}
              className="input select"
              value={draft}
              onChange={(e) => setDraft(e.target.value as InvestigationRole)}
              aria-describedby={error !== undefined ? errorId : undefined}
              aria-invalid={error !== undefined ? true : undefined}
            >
              {investigationRoles.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
            {draft !== member.role && (
              <button
                type="button"
                className="button small"
                disabled={saving}
                aria-busy={saving}
                aria-label={t('members.saveRole', { name: member.displayName })}
                onClick={requestSave}
              >
                {t('members.saveRoleShort')}
              </button>
            )}
          </div>
        ) : (
          roleLabel(member.role)
        )}
        {error !== undefined && !confirmingDemotion && <ErrorAlert error={error} id={errorId} />}
        {confirmingDemotion && (
          <ConfirmDialog
            title={t('members.demoteSelf.title')}
            confirmLabel={t('members.demoteSelf.confirm')}
            onConfirm={save}
            onClose={() => setConfirmingDemotion(false)}
          >
            <p>{t('members.demoteSelf.body', { role: roleLabel(draft) })}</p>
          </ConfirmDialog>
        )}
      </td>
      <td>
        {member.expiresAt ? (
          <time dateTime={member.expiresAt} title={t('members.expiresTitle', { utc: formatUtc(member.expiresAt) })}>
            {formatDateTime(member.expiresAt)}
          </time>
        ) : (
          <span className="muted">{t('members.noExpiry')}</span>
        )}
      </td>
      {canManage && (
        <td>
          <button
            type="button"
            className="button secondary small danger-text"
            aria-label={t('members.removeLabel', { name: member.displayName })}
            onClick={() => onRemove(member)}
          >
            {t('members.remove')}
          </button>
        </td>
      )}
    </tr>
  );
}
