import { request } from '../../api/client';
import type { components } from '../../api/schema';

type Schemas = components['schemas'];
/** An endpoint of the outlet (never its secret). */
export type WebhookEndpoint = Schemas['WebhookEndpointView'];
export type NewWebhookEndpoint = Schemas['NewWebhookEndpoint'];
/** A new endpoint with its signing secret, shown once. */
export type WebhookEndpointCreated = Schemas['WebhookEndpointCreated'];
export type WebhookSecretRotated = Schemas['WebhookSecretRotated'];
/** One event sent to an endpoint, with every attempt. */
export type WebhookDelivery = Schemas['WebhookDeliveryView'];
export type WebhookAttempt = Schemas['WebhookAttemptView'];
export type WebhookEventTypes = Schemas['WebhookEventTypes'];

const enc = encodeURIComponent;
const base = '/api/outlet/webhooks';

/** The outlet administrators' webhook routes (docs/api.md, Webhooks). */
export const webhooksApi = {
  list: (signal?: AbortSignal) => request<WebhookEndpoint[]>(base, { signal }),
  eventTypes: (signal?: AbortSignal) => request<WebhookEventTypes>(`${base}/event-types`, { signal }),
  create: (body: NewWebhookEndpoint) => request<WebhookEndpointCreated>(base, { method: 'POST', body }),
  remove: (id: string) => request<void>(`${base}/${enc(id)}`, { method: 'DELETE' }),
  setEnabled: (id: string, enabled: boolean) =>
    request<WebhookEndpoint>(`${base}/${enc(id)}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' }),
  rotate: (id: string, overlapHours: number) =>
    request<WebhookSecretRotated>(`${base}/${enc(id)}/rotate-secret`, { method: 'POST', body: { overlapHours } }),
  deliveries: (id: string, signal?: AbortSignal) => request<WebhookDelivery[]>(`${base}/${enc(id)}/deliveries`, { signal }),
  redeliver: (id: string, deliveryId: string) =>
    request<WebhookDelivery>(`${base}/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`, { method: 'POST' }),
};
