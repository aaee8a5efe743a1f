import type { AuditEntry } from '../../api/types';
import { Link, paths } from '../../shared/router';
import { DataTable } from '../../shared/ui';
import { t } from '../../i18n';
import { formatDateTimeSeconds, formatUtc } from '../../shared/datetime';
import { actionLabel, targetLabel } from './actions';

interface Props {
  entries: readonly AuditEntry[];
  caption: string;
  outletName: (outletId: string) => string;
  /** Display names of people by user id (members of the investigation), for account targets. */
  personName: (userId: string) => string | undefined;
  busy: boolean;
}

/** Audit entries as they are stored: every value is plain text (React escapes it), nothing is interpreted. */
export function AuditTable({ entries, caption, outletName, personName, busy }: Props) {
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0} aria-busy={busy}>
      <DataTable
        className="data-table audit-table"
        testId="audit-table"
        caption={caption}
        columns={[
          { label: t('audit.col.index'), className: 'audit-index' },
          t('audit.col.time'),
          t('audit.col.actor'),
          t('audit.col.action'),
          t('audit.col.target'),
          t('audit.col.detail'),
          t('audit.col.client'),
          t('audit.col.address'),
          t('audit.col.chain'),
        ]}
      >
          {entries.map((entry) => (
            <AuditRow key={entry.index} entry={entry} outletName={outletName} personName={personName} />
          ))}
      </DataTable>
    </div>
  );
}

function None() {
  return <span className="muted">{t('audit.none')}</span>;
}

function AuditRow({
  entry,
  outletName,
  personName,
}: {
  entry: AuditEntry;
  outletName: (outletId: string) => string;
  personName: (userId: string) => string | undefined;
}) {
  return (
    <tr data-testid="audit-row" data-index={entry.index} data-action={entry.action} data-actor-id={entry.actorUserId}>
      <th scope="row" className="audit-index">
        <span dir="ltr">{entry.index}</span>
      </th>
      <td className="audit-time">
        <time dateTime={entry.at} title={t('audit.utcTitle', { utc: formatUtc(entry.at) })}>
          {formatDateTimeSeconds(entry.at)}
        </time>
      </td>
      <td>
        <span className="audit-actor">{entry.actorDisplayName}</span>
        <span className="audit-sub">
          {entry.actorOutletId ? outletName(entry.actorOutletId) : t('audit.unidentified')}
        </span>
      </td>
      <td>
        <span title={entry.action}>{actionLabel(entry.action)}</span>
      </td>
      <td>
        <Target entry={entry} personName={personName} />
      </td>
      <td className="audit-detail">{entry.detail ? entry.detail : <None />}</td>
      <td>
        {entry.client === 'web' ? (
          t('audit.client.web')
        ) : (
          <code dir="ltr">{entry.client}</code>
        )}
        {entry.userAgent && (
          <span className="audit-sub audit-agent" title={entry.userAgent} dir="ltr">
            {entry.userAgent}
          </span>
        )}
      </td>
      <td>{entry.ipAddress ? <code dir="ltr">{entry.ipAddress}</code> : <None />}</td>
      <td>
        {/* The hashes are not shown here: each is a function of every entry before it, some withheld from this
            reader. The position says the entry is in the chain; the platform's verifier checks the hashes. */}
        {entry.position != null ? (
          <code className="audit-hash" dir="ltr" data-testid="audit-position">
            {t('audit.sealed', { position: String(entry.position) })}
          </code>
        ) : (
          // Written but not linked into the chain yet: the server seals entries within milliseconds.
          <span className="audit-sub" data-testid="audit-hash-pending">
            {t('audit.sealing')}
          </span>
        )}
      </td>
    </tr>
  );
}

/** What was acted on: a link where the app has a page for it, a person's name where it is a member's account. */
function Target({ entry, personName }: { entry: AuditEntry; personName: (userId: string) => string | undefined }) {
  const { targetType, targetId } = entry;
  if (!targetType && !targetId) return <None />;
  const label = targetType ? targetLabel(targetType) : '';
  const to =
    targetId && targetType === 'record'
      ? paths.record(targetId)
      : targetId && targetType === 'dataset'
        ? paths.dataset(targetId)
        : targetId && targetType === 'investigation'
          ? paths.investigation(targetId)
          : null;
  const person = targetId && (targetType === 'account' || targetType === 'user') ? personName(targetId) : undefined;
  return (
    <>
      {label && <span className="audit-sub audit-target-type">{label}</span>}
      {person ? (
        <span title={targetId ?? undefined}>{person}</span>
      ) : to && targetId ? (
        <Link to={to} aria-label={t('audit.target.open', { target: label, id: targetId })}>
          <code dir="ltr" className="audit-id">
            {targetId}
          </code>
        </Link>
      ) : (
        targetId && (
          <code dir="ltr" className="audit-id">
            {targetId}
          </code>
        )
      )}
    </>
  );
}
