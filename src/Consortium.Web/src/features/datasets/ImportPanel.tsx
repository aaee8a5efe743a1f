import { HubConnectionState } from '@microsoft/signalr';
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api, describeError, isAbort, uploadImport } from '../../api/client';
import type { Dataset, ImportJob, ImportProgress } from '../../api/types';
import { t } from '../../i18n';
import { useHubEvent, useLive } from '../../live/LiveConnection';
import { DataTable } from '../../shared/ui';

const active = (job: ImportJob | null) => job !== null && (job.state === 'queued' || job.state === 'running');

/**
 * Upload a file into a dataset and follow its import live: the server pushes progress to the dataset's hub group after
 * every committed batch; cancel and resume act on the job; the error report lists rows that could not be imported.
 */
export function ImportPanel({ dataset, canImport, onImported }: { dataset: Dataset; canImport: boolean; onImported: () => void }) {
  const { connection, status, epoch } = useLive();
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<number | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const fileId = useId();
  const progressId = useId();

  // The dataset's latest job, so a running import shows after a reload too.
  useEffect(() => {
    const controller = new AbortController();
    api.imports(dataset.id, controller.signal).then(
      (jobs) => setJob((current) => current ?? jobs[0] ?? null),
      (e: unknown) => {
        if (!isAbort(e)) setError(e);
      },
    );
    return () => controller.abort();
  }, [dataset.id]);

  // Join the dataset's group on every (re)connect; after a reconnect, re-read the job to catch up.
  useEffect(() => {
    if (!connection || status !== 'connected') return;
    connection.invoke('JoinDataset', dataset.id).catch(() => undefined);
    return () => {
      if (connection.state === HubConnectionState.Connected) connection.invoke('LeaveDataset', dataset.id).catch(() => undefined);
    };
  }, [connection, status, epoch, dataset.id]);

  const refresh = useCallback(
    (jobId: string) =>
      api.importJob(dataset.id, jobId).then(
        (fresh) => {
          setJob(fresh);
          if (fresh.state === 'completed' || fresh.state === 'cancelled' || fresh.state === 'failed') onImported();
        },
        (e: unknown) => setError(e),
      ),
    [dataset.id, onImported],
  );

  useHubEvent<[ImportProgress]>('importProgress', (progress) => {
    if (!progress || progress.datasetId !== dataset.id) return;
    setJob((current) =>
      current && current.id === progress.jobId
        ? { ...current, ...{ state: progress.state, totalBytes: progress.totalBytes, bytesRead: progress.bytesRead, rowsRead: progress.rowsRead,
            imported: progress.imported, duplicates: progress.duplicates, rejected: progress.rejected, failure: progress.failure } }
        : current,
    );
    // A finished job is read once more for its error report (pushes carry counts only).
    if (progress.state !== 'queued' && progress.state !== 'running') void refresh(progress.jobId);
  });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) return;
    setError(undefined);
    setUpload(0);
    try {
      const queued = await uploadImport(dataset.id, file, setUpload);
      setJob(queued);
      // The job may have finished before the push subscription saw it.
      void refresh(queued.id);
    } catch (e) {
      setError(e);
    } finally {
      setUpload(null);
    }
  };

  const act = async (action: 'cancel' | 'resume') => {
    if (!job) return;
    setError(undefined);
    try {
      setJob(await (action === 'cancel' ? api.cancelImport(dataset.id, job.id) : api.resumeImport(dataset.id, job.id)));
    } catch (e) {
      setError(e);
    }
  };

  const percent =
    job === null ? 0 : job.state === 'completed' ? 100 : job.totalBytes > 0 ? Math.floor((job.bytesRead / job.totalBytes) * 100) : 0;
  const problem = error === undefined ? undefined : describeError(error);

  return (
    <section className="panel import-panel" aria-labelledby={`${fileId}-title`}>
      <h2 id={`${fileId}-title`}>{t('import.title')}</h2>
      {canImport && (
        <form onSubmit={submit} className="import-form">
          <label htmlFor={fileId} className="field-label">{t('import.file')}</label>
          <input
            id={fileId}
            type="file"
            accept=".csv,.tsv,.txt,.jsonl,.ndjson,.xlsx"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
          <button type="submit" className="button small" disabled={!file || upload !== null || active(job)}>
            {t('import.submit')}
          </button>
        </form>
      )}
      {upload !== null && <p role="status">{t('import.uploading', { percent: Math.floor(upload * 100) })}</p>}
      {job && (
        <div className="import-job">
          <label htmlFor={progressId}>
            {t('import.progressLabel')}: <strong data-import-state={job.state}>{t(`import.state.${job.state}`)}</strong>
          </label>
          <progress id={progressId} max={100} value={percent} aria-valuetext={`${percent}%`}>
            {percent}%
          </progress>
          <p role="status">
            {t('import.counts', {
              rows: job.rowsRead,
              imported: job.imported,
              duplicates: job.duplicates,
              rejected: job.rejected,
            })}
          </p>
          {job.failure && <p className="alert">{job.failure}</p>}
          {canImport && active(job) && (
            <button type="button" className="button small" onClick={() => void act('cancel')}>
              {t('import.cancel')}
            </button>
          )}
          {canImport && (job.state === 'cancelled' || job.state === 'failed') && (
            <button type="button" className="button small" onClick={() => void act('resume')}>
              {t('import.resume')}
            </button>
          )}
          {job.errors.length > 0 && (
            <DataTable
              caption={t('import.errors.caption')}
              captionVisible
              columns={[t('import.errors.row'), t('import.errors.column'), t('import.errors.reason')]}
            >
                {job.errors.map((e) => (
                  <tr key={`${e.row}-${e.column ?? ''}`}>
                    <td>{e.row}</td>
                    <td>{e.column ?? ''}</td>
                    <td>{e.reason}</td>
                  </tr>
                ))}
            </DataTable>
          )}
        </div>
      )}
      {problem && (
        <div className="alert" role="alert">
          <p className="alert-title">{problem.title}</p>
          {problem.detail && <p className="alert-detail">{problem.detail}</p>}
        </div>
      )}
    </section>
  );
}
