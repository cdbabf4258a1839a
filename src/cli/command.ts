/** A `finerouter` subcommand. Commands parse arguments and draw progress; the logic lives in the library. */
export interface Command {
  readonly name: string;
  /** One line for `finerouter --help`. */
  readonly summary: string;
  /** Full usage text for `finerouter NAME --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}
