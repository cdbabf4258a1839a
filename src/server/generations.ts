/**
 * The router in service and its hot swap (`RoutingServer.reload`, ./server.ts). Each loaded router is one
 * generation: its route function (micro-batched when the router allows, ./batching.ts) and the routes still running
 * on it. A swap installs the new generation in one assignment; the old one is disposed only after its running
 * routes settle, so a request never sees its router disposed under it.
 */
import { FineRouterError } from '../errors.js';
import type { ChatMessage } from '../router/messages.js';
import type { RouteOptions, RouteResult } from '../router/router.js';
import { batchingRoute } from './batching.js';
import type { BatchableRouter } from './batching.js';
import type { ServedRouter } from './server.js';

interface Generation {
  readonly router: ServedRouter;
  readonly route: ServedRouter['route'];
  readonly running: Set<Promise<unknown>>;
  /** Router models that the pool can call. */
  readonly callable: string[];
  readonly loadedAt: string;
}

/** Holds the current generation; `route` runs on it, `install` replaces it, `retire` disposes it. */
export class RouterInService {
  private current: Generation;

  /**
   * @param poolIds - the model ids the pool can call.
   * @param maxEncoderBatch - largest shared encoder call; 1 disables batching.
   * @throws FineRouterError INVALID_ARGUMENT when none of the router's models is in the pool.
   */
  constructor(
    router: ServedRouter,
    private readonly poolIds: ReadonlySet<string>,
    private readonly maxEncoderBatch: number,
  ) {
    this.current = this.generation(router, 'createRoutingServer');
  }

  get router(): ServedRouter {
    return this.current.router;
  }

  get callable(): readonly string[] {
    return this.current.callable;
  }

  get loadedAt(): string {
    return this.current.loadedAt;
  }

  /** Routes on the generation current at the call; that generation stays alive until the route settles. */
  async route(input: readonly ChatMessage[], options: RouteOptions): Promise<RouteResult> {
    const g = this.current;
    const work = g.route(input, options);
    g.running.add(work);
    try {
      return await work;
    } finally {
      g.running.delete(work);
    }
  }

  /**
   * Installs `next` at once and returns a promise that settles when the previous router, its running routes
   * settled, is disposed.
   * @throws FineRouterError INVALID_ARGUMENT (synchronously, nothing installed) when none of `next`'s models is in
   * the pool; the caller still owns `next`.
   */
  install(next: ServedRouter): Promise<void> {
    const installed = this.generation(next, 'RoutingServer.reload');
    const previous = this.current;
    this.current = installed;
    return RouterInService.settleAndDispose(previous);
  }

  /** Disposes the current router after its running routes settle (server close). */
  retire(): Promise<void> {
    return RouterInService.settleAndDispose(this.current);
  }

  private generation(router: ServedRouter, caller: string): Generation {
    const callable = router.models.filter((id) => this.poolIds.has(id));
    if (callable.length === 0) {
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `${caller}: none of the router's models (${router.models.join(', ')}) is in the pool (${[...this.poolIds].join(', ')})`,
      );
    }
    const batchable = router as Partial<BatchableRouter>;
    const route =
      this.maxEncoderBatch > 1 && batchable.encoder && typeof batchable.routeEmbeddings === 'function'
        ? batchingRoute(router as unknown as BatchableRouter, this.maxEncoderBatch)
        : router.route.bind(router);
    return { router, route, running: new Set(), callable, loadedAt: new Date().toISOString() };
  }

  private static async settleAndDispose(g: Generation): Promise<void> {
    await Promise.allSettled([...g.running]);
    await g.router.dispose();
  }
}
