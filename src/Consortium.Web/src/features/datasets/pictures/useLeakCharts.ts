import { HubConnectionState } from '@microsoft/signalr';
import { useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../../api/client';
import type { AnnotationPush, RecordCharts, SearchQuery } from '../../../api/types';
import { useHubEvent, useLive } from '../../../live/LiveConnection';

/** How long pushes are gathered before the pictures are counted again: a burst of annotations costs one request. */
export const REFRESH_DEBOUNCE_MS = 1000;

export type ChartScope = { kind: 'dataset'; id: string; investigationId: string } | { kind: 'investigation'; id: string };

/**
 * The pictures' counts for a search, fetched from the server (never counted here), and fetched again, debounced,
 * when an annotation of the scope is pushed (a new verification moves the funnel; a tag or note can move the others
 * when a filter depends on annotations). Keeps the last counts on screen while the next ones load.
 */
export function useLeakCharts(scope: ChartScope, query: SearchQuery) {
  const [state, setState] = useState<{ data: RecordCharts | null; error: unknown; loading: boolean }>({ data: null, error: undefined, loading: true });
  const [version, setVersion] = useState(0);
  const { connection, status, epoch } = useLive();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Sort and order do not change the counts.
  const key = JSON.stringify({ ...query, sort: undefined, order: undefined });
  const investigationId = scope.kind === 'dataset' ? scope.investigationId : scope.id;

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const filters = JSON.parse(key) as SearchQuery;
    const load = scope.kind === 'dataset' ? api.charts(scope.id, filters, controller.signal) : api.investigationCharts(scope.id, filters, controller.signal);
    load.then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbort(error)) setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [scope.kind, scope.id, key, version]);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  useHubEvent<[AnnotationPush[]]>('annotationsPushed', (pushes) => {
    const ours = (pushes ?? []).some(
      (p) => p?.annotation && p.annotation.investigationId === investigationId && (scope.kind === 'investigation' || p.annotation.datasetId === scope.id),
    );
    if (!ours || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setVersion((v) => v + 1);
    }, REFRESH_DEBOUNCE_MS);
  });

  // Annotation pushes of the investigation, joined on every connect (groups do not survive a reconnect); a reconnect
  // also counts again, for what was missed meanwhile.
  useEffect(() => {
    if (!connection || status !== 'connected') return;
    connection.invoke('JoinInvestigationAnnotations', investigationId).catch(() => undefined);
    if (epoch > 1) setVersion((v) => v + 1);
    return () => {
      if (connection.state === HubConnectionState.Connected) connection.invoke('LeaveInvestigationAnnotations', investigationId).catch(() => undefined);
    };
  }, [connection, status, epoch, investigationId]);

  return { ...state, reload: () => setVersion((v) => v + 1) };
}
