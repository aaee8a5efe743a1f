import { useId, useMemo, useState, type ReactNode } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import type { SearchQuery } from '../../../api/types';
import { EChart } from '../../../shared/EChart';
import { ErrorAlert, Loading } from '../../../shared/ui';
import { currentLocale, formatNumber, t, tp, type MessageKey } from '../../../i18n';
import { countryRows, formatMonth, funnelRows, monthBuckets } from './chartData';
import { useLeakCharts, type ChartScope } from './useLeakCharts';

const LOW = '#dbe7f5';
const HIGH = '#1c4f8c';
const BAR = '#2f6db3';
const EMPTY = '#eef1f4';

function countText(count: number, atLeast: boolean): string {
  return atLeast ? t('facet.atLeast', { count }) : formatNumber(count);
}

function stateLabel(state: string | null): string {
  return state === null ? t('charts.funnel.noVerdict') : t(`board.state.${state}` as MessageKey);
}

/**
 * The pictures of the leak for a search: a world map of selected numbers by country, a timeline of selections by
 * month and the verification funnel. The counts come from the server for the same filters as the list (decision
 * 0032); each picture has its numbers as a table, read by screen readers and shown on request.
 */
export function LeakPictures({ scope, query, datasetName }: { scope: ChartScope; query: SearchQuery; datasetName?: (id: string) => string }) {
  const charts = useLeakCharts(scope, query);
  const headingId = useId();
  const data = charts.data;
  const locale = currentLocale();
  const regionNames = useMemo(() => {
    try {
      return new Intl.DisplayNames([locale], { type: 'region' });
    } catch {
      return null;
    }
  }, [locale]);
  const countryName = (code: string) => regionNames?.of(code) ?? code;

  const countries = useMemo(() => countryRows(data?.countries ?? []), [data]);
  const months = useMemo(() => monthBuckets(data?.months ?? []), [data]);
  const funnel = useMemo(() => funnelRows(data?.verification ?? []), [data]);

  const mapOption = useMemo<EChartsCoreOption>(() => {
    const max = Math.max(1, ...countries.rows.map((r) => r.count));
    return {
      tooltip: { trigger: 'item', renderMode: 'richText', formatter: (p: { name: string; value?: number }) => p.name && Number.isFinite(p.value) ? `${countryName(p.name)}: ${formatNumber(p.value!)}` : '' },
      visualMap: { min: 0, max, left: 8, bottom: 8, itemHeight: 80, text: [t('charts.map.high'), t('charts.map.low')], inRange: { color: [LOW, HIGH] }, calculable: false },
      series: [
        {
          type: 'map',
          map: 'world',
          roam: false,
          selectedMode: false,
          // Room on the left for the colour scale.
          left: 64,
          right: 4,
          top: 4,
          bottom: 4,
          nameProperty: 'name',
          itemStyle: { areaColor: EMPTY, borderColor: '#9aa5b1', borderWidth: 0.5 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: '#f2b134' } },
          data: countries.rows.map((r) => ({ name: r.code, value: r.count })),
        },
      ],
    };
    // countryName depends only on the locale.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [countries, locale]);

  const timelineOption = useMemo<EChartsCoreOption>(
    () => ({
      grid: { left: 48, right: 16, top: 16, bottom: 40 },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      xAxis: { type: 'category', data: months.map((m) => formatMonth(m.month, locale)) },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => formatNumber(v) } },
      series: [{ type: 'bar', name: t('charts.count'), data: months.map((m) => m.count), itemStyle: { color: BAR } }],
    }),
    [months, locale],
  );

  const funnelOption = useMemo<EChartsCoreOption>(
    () => ({
      grid: { left: 140, right: 24, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      yAxis: { type: 'category', inverse: true, data: funnel.map((f) => stateLabel(f.state)) },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => formatNumber(v) } },
      series: [{ type: 'bar', name: t('charts.count'), data: funnel.map((f) => f.count), itemStyle: { color: BAR }, label: { show: true, position: 'right', formatter: (p: { value: number }) => formatNumber(p.value) } }],
    }),
    [funnel],
  );

  const withoutDate = data?.datasetsWithoutDate ?? [];

  return (
    <section className="leak-pictures" aria-labelledby={headingId} data-testid="leak-pictures" aria-busy={charts.loading}>
      <h2 id={headingId}>{t('charts.heading')}</h2>
      <p className="hint">{t('charts.lede')}</p>
      {charts.error !== undefined && <ErrorAlert error={charts.error} onRetry={charts.reload} />}
      {!data && charts.error === undefined && <Loading />}
      {data && (
        <>
          {data.totalIsLowerBound && <p className="hint">{t('charts.lowerBound')}</p>}
          <div className="pictures-grid">
            <Picture
              testId="chart-map"
              title={t('charts.map.title')}
              caption={t('charts.map.caption')}
              chart={countries.rows.length > 0 ? <EChart option={mapOption} needsWorld className="chart chart-map" /> : <p className="hint">{t('charts.map.none')}</p>}
              head={[t('charts.map.country'), t('charts.count')]}
              rows={countries.rows.map((r) => ({ key: r.code, cells: [`${countryName(r.code)} (${r.code})`, countText(r.count, r.atLeast)] }))}
              note={countries.unknown > 0 ? tp('charts.map.unknown', countries.unknown) : undefined}
            />
            <Picture
              testId="chart-timeline"
              title={t('charts.timeline.title')}
              caption={t('charts.timeline.caption')}
              chart={
                months.length > 0 ? (
                  <EChart option={timelineOption} className="chart chart-timeline" />
                ) : (
                  <p className="hint">{scope.kind === 'dataset' && withoutDate.length > 0 ? t('charts.timeline.noDateColumn') : t('charts.timeline.none')}</p>
                )
              }
              head={[t('charts.timeline.month'), t('charts.count')]}
              rows={months.map((m) => ({ key: m.month, cells: [formatMonth(m.month, locale), countText(m.count, m.atLeast)] }))}
              note={
                <>
                  {scope.kind === 'investigation' && withoutDate.length > 0 && (
                    <span>{t('charts.timeline.datasetsWithoutDate', { datasets: withoutDate.map((id) => datasetName?.(id) ?? id).join(', ') })} </span>
                  )}
                  {data.undated > 0 && <span>{tp('charts.timeline.undated', data.undated)}</span>}
                </>
              }
            />
            <Picture
              testId="chart-funnel"
              title={t('charts.funnel.title')}
              caption={t('charts.funnel.caption')}
              chart={<EChart option={funnelOption} className="chart chart-funnel" />}
              head={[t('charts.funnel.state'), t('charts.count')]}
              rows={funnel.map((f) => ({ key: f.state ?? '', cells: [stateLabel(f.state), countText(f.count, f.atLeast)], state: f.state ?? 'none' }))}
            />
          </div>
        </>
      )}
    </section>
  );
}

/** One picture: its title, the chart, a note, and its numbers as a table (visually hidden until asked for). */
function Picture({
  testId,
  title,
  caption,
  chart,
  head,
  rows,
  note,
}: {
  testId: string;
  title: string;
  caption: string;
  chart: ReactNode;
  head: [string, string];
  rows: { key: string; cells: [string, string]; state?: string }[];
  note?: ReactNode;
}) {
  const [shown, setShown] = useState(false);
  const tableId = useId();
  return (
    <figure className="picture" data-testid={testId}>
      <figcaption className="picture-title">{title}</figcaption>
      {chart}
      {note && <p className="hint picture-note">{note}</p>}
      <button type="button" className="button secondary" aria-expanded={shown} aria-controls={tableId} onClick={() => setShown((s) => !s)}>
        {shown ? t('charts.hideTable') : t('charts.showTable')}
      </button>
      {/* A table is as wide as its content whatever its width says, so the hidden one sits in a box that can be 1px. */}
      <div className={shown ? 'picture-table-box' : 'picture-table-box visually-hidden'}>
      <table id={tableId} className={shown ? 'picture-table' : 'picture-table visually-hidden'} data-testid={`${testId}-table`}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head[0]}</th>
            <th scope="col" className="numeric">
              {head[1]}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-key={row.state ?? row.key}>
              <th scope="row">{row.cells[0]}</th>
              <td className="numeric">{row.cells[1]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}
