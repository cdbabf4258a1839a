/**
 * Prometheus text exposition (format 0.0.4) for `finerouter serve`: labelled counters, one gauge, histograms.
 * Plain objects and strings, no dependency. Label values are escaped as the format requires (\\, \", \n).
 */

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

/** A counter with labels. */
export class Counter {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Readonly<Record<string, string>> = {}, by = 1): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  get(labels: Readonly<Record<string, string>> = {}): number {
    return this.#values.get(labelText(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of [...this.#values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      lines.push(`${this.name}${key} ${value}`);
    return lines.join('\n');
  }
}

/** A gauge without labels. */
export class Gauge {
  value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.value}`].join('\n');
  }
}

/** A histogram without labels, cumulative buckets in seconds. */
export class Histogram {
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.#counts = new Float64Array(buckets.length);
  }
  observe(seconds: number): void {
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]!) this.#counts[i]!++;
    this.#sum += seconds;
    this.#count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.#counts[i]}`));
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${this.#sum}`,
      `${this.name}_count ${this.#count}`,
    );
    return lines.join('\n');
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The server's metrics. */
export class ServerMetrics {
  readonly requests = new Counter('finerouter_requests_total', 'HTTP requests by path and status.');
  readonly routed = new Counter('finerouter_routed_total', 'Routing decisions by chosen model.');
  readonly attempts = new Counter('finerouter_upstream_attempts_total', 'Upstream attempts by model and outcome.');
  readonly reloads = new Counter('finerouter_reloads_total', 'Artifact reloads by result.');
  readonly inFlight = new Gauge('finerouter_in_flight_requests', 'Requests being served.');
  readonly routingSeconds = new Histogram(
    'finerouter_routing_seconds',
    'Time to route one request (encode + heads + selection).',
    LATENCY_BUCKETS,
  );
  readonly requestSeconds = new Histogram(
    'finerouter_request_seconds',
    'Time from request to the end of the response.',
    LATENCY_BUCKETS,
  );

  render(): string {
    return `${[this.requests, this.routed, this.attempts, this.reloads, this.inFlight, this.routingSeconds, this.requestSeconds].map((m) => m.render()).join('\n')}\n`;
  }
}
