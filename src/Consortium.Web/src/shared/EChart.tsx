import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { t } from '../i18n';

type Core = typeof import('./echartsCore');

let core: Promise<Core> | null = null;

/** ECharts, loaded on first use (a chunk of its own). */
function loadCore(): Promise<Core> {
  core ??= import('./echartsCore');
  return core;
}

/**
 * A chart drawn by Apache ECharts, loaded lazily. The picture is decorative for assistive technology (aria-hidden):
 * every chart of the app carries its numbers as a table beside it, which is what a screen reader reads.
 * `needsWorld` waits for the world map to be registered before drawing a map series.
 */
export function EChart({ option, needsWorld = false, className, testId }: { option: EChartsCoreOption; needsWorld?: boolean; className?: string; testId?: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<Core['echarts']['init']> | null>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | null = null;
    (async () => {
      const loaded = await loadCore();
      if (needsWorld) await loaded.registerWorld();
      if (disposed || !element.current) return;
      chart.current = loaded.echarts.init(element.current, null, { renderer: 'svg' });
      observer = new ResizeObserver(() => chart.current?.resize());
      observer.observe(element.current);
      setReady(true);
    })().catch(() => {
      if (!disposed) setFailed(true);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, [needsWorld]);

  useEffect(() => {
    if (ready) chart.current?.setOption(option, { notMerge: true });
  }, [ready, option]);

  return (
    <div className={className} data-testid={testId} data-ready={ready ? 'true' : 'false'}>
      {failed ? <p className="hint">{t('charts.failed')}</p> : <div ref={element} className="echart" aria-hidden="true" />}
    </div>
  );
}
