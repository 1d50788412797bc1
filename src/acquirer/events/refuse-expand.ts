import { AcquirerError } from '../errors.ts';
import type { Params } from '../stripe/params.ts';

/**
 * Reads `expand[]` on an endpoint whose object has nothing expandable, and
 * refuses any path as Stripe does, rather than answering unexpanded ids to
 * a client that asked for objects.
 */
export function refuseExpand(params: Params, allowed: readonly string[] = []): string[] {
  const paths = params.expand();
  for (const path of paths) {
    if (!allowed.includes(path)) throw new AcquirerError('parameter_invalid', `This property cannot be expanded (${path}).`, { param: 'expand' });
  }
  return paths;
}
