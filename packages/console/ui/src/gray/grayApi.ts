import { type CreateGray, type GrayAction, GrayList, GrayResult, GrayView } from '../../../src/api/delivery-contract.ts';
import { call, query } from '../app/api.ts';
import { encodePath } from '../app/router.tsx';

/** Every HTTP call of the Gray releases view. */

export const loadGrayList = (namespace: string) => call(GrayList, `/gray${query({ namespace: namespace || undefined })}`);

export const loadGray = (namespace: string, id: string) => call(GrayView, `/gray/one${query({ namespace, id })}`);

export const startGray = (create: CreateGray) => call(GrayResult, '/gray', { method: 'POST', body: create });

export type GrayControl = 'promote' | 'abandon' | 'pause' | 'resume' | 'advance';

export const controlGray = (action: GrayControl, request: GrayAction) =>
  call(GrayResult, `/gray/${action}`, { method: 'POST', body: request });

/** The console path of one gray release (`/gray/config/shop/prod/g-1a2b3c4d`) or of a namespace's list. */
export const grayPath = (namespace: string, id?: string) => `/gray/${encodePath(namespace)}${id ? `/${encodeURIComponent(id)}` : ''}`;

/** Split a location under `/gray/` into its namespace and (a last segment `g-<hex>`, as the console and CLI make them) its id. */
export function parseGrayPath(rest: string): { namespace: string; id?: string } {
  const trimmed = rest.replace(/\/+$/, '');
  const match = /^(.*)\/(g-[0-9a-f]+)$/.exec(trimmed);
  return match ? { namespace: match[1] as string, id: match[2] as string } : { namespace: trimmed };
}

/** `canary=true, zone=eu-1` → `{ canary: 'true', zone: 'eu-1' }`; undefined names what is not a label. */
export function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return `not name=value: ${part}`;
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

export const labelText = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || '(every instance)';
