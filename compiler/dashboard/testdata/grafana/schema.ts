// The types kiln's dashboards are checked against: Grafana's published
// dashboard schema (the types @grafana/schema generates from Grafana's CUE
// schema), the options of the stat and timeseries panels, and the fields of
// a Prometheus query. compiler/dashboard's tests write each dashboard as
// typed constants (`const d: Dashboard = {...}`) and compile them with tsc
// --strict: an object literal with a property its type lacks, or a value
// of the wrong type or outside an enum, is a compile error.
import type * as raw from '@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen';
import type * as statcfg from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as tscfg from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { DataQuery } from '@grafana/schema';

// Json turns the generated types' enums into the values JSON holds: a
// string enum's members become its string literals ("value" for
// BigValueColorMode.Value), so that JSON text type-checks against them.
// Everything else keeps its type, optional properties included.
export type Json<T> =
  T extends string ? `${T}` :
  T extends number | boolean | null | undefined ? T :
  T extends Array<infer U> ? Array<Json<U>> :
  T extends object ? { [K in keyof T]: Json<T[K]> } :
  T;

export type Dashboard = Json<raw.Dashboard>;
export type StatOptions = Json<statcfg.Options>;
export type TimeSeriesOptions = Json<tscfg.Options>;
export type TimeSeriesFieldConfig = Json<tscfg.FieldConfig>;

// Prometheus is the Prometheus data source's query: DataQuery, the part
// every query has (@grafana/schema), and the fields of the Prometheus
// plugin's dataquery schema (Grafana's
// public/app/plugins/datasource/prometheus/dataquery.cue, which
// @grafana/schema does not ship) that kiln writes.
export type Prometheus = Json<DataQuery> & {
  expr: string;
  instant?: boolean;
  range?: boolean;
  legendFormat?: string;
  interval?: string;
  format?: 'time_series' | 'table' | 'heatmap';
  editorMode?: 'code' | 'builder';
  exemplar?: boolean;
};
