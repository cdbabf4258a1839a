/**
 * The CLI's one progress renderer. On a TTY it redraws one bar per stage in place; otherwise (a pipe, a log
 * file, CI) it writes plain lines, one per stage at each tenth of the way, so a piped log never fills with
 * carriage returns. Colour only on a TTY and never when `NO_COLOR` is set (https://no-color.org).
 */
import type { PipelineProgress } from '../pipeline/pipeline.js';

/** Where the renderer writes (process.stderr by default). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** A progress renderer. */
export interface Progress {
  /** Draws `label` at done/total with optional detail (losses, rates). */
  update(label: string, done: number, total: number, detail?: string): void;
  /** Writes one line of text (ends an open bar first). */
  note(line: string): void;
  /** Ends an open bar. */
  end(): void;
  /** Adapter for the pipeline's progress events. */
  pipeline(event: PipelineProgress): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** @defaultValue process.stderr */
  stream?: ProgressStream;
  /** Whether to draw bars in place. @defaultValue stream.isTTY */
  tty?: boolean;
  /** Whether to colour. @defaultValue tty && !env.NO_COLOR */
  color?: boolean;
  /** Prefix of every line (the command name). @defaultValue '' */
  prefix?: string;
  /** @defaultValue process.env */
  env?: Record<string, string | undefined>;
}

const WIDTH = 24;

/**
 * Creates the progress renderer.
 *
 * @param options - see {@link ProgressOptions}.
 * @returns a {@link Progress}.
 * @example
 * const progress = createProgress({ prefix: 'train' });
 * await buildRouter(records, { embedder, onProgress: (e) => progress.pipeline(e) });
 */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const tty = options.tty ?? stream.isTTY === true;
  const color = options.color ?? (tty && !env.NO_COLOR);
  const prefix = options.prefix ? `${options.prefix}: ` : '';
  const lastTenth = new Map<string, number>();
  let open = false;
  const dim = (text: string): string => (color && text ? `\x1b[2m${text}\x1b[22m` : text);

  const end = (): void => {
    if (open) stream.write('\n');
    open = false;
  };
  const update = (label: string, done: number, total: number, detail = ''): void => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(WIDTH * fraction);
    const line = `${prefix}${label.padEnd(18)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}`;
    if (tty) {
      stream.write(`\r\x1b[2K${line}${detail ? ` ${dim(detail)}` : ''}`);
      open = done < total;
      if (!open) stream.write('\n');
      return;
    }
    const tenth = Math.floor(10 * fraction);
    if (lastTenth.get(label) === tenth) return;
    lastTenth.set(label, tenth);
    stream.write(`${line}${detail ? ` ${detail}` : ''}\n`);
  };
  return {
    update,
    note(line) {
      end();
      stream.write(`${prefix}${line}\n`);
    },
    end,
    pipeline(event) {
      update(`${event.step}:${event.stage}`, event.done, event.total, event.detail);
    },
  };
}
