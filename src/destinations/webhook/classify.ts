import type { HttpResponse } from '../../http/client.js';
import { classifyHttp } from '../classify-http.js';
import type { SendResult } from '../types.js';

/** Plain status rules; a webhook batch is one request, so a 4xx is a payload error to isolate. */
export function classifyWebhook(response: HttpResponse, _count: number, now: number): SendResult {
  return { batch: classifyHttp(response, now) };
}
