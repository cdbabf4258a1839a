import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { embedCommand } from './embed.js';
import { evalCommand } from './eval.js';
import { routeCommand } from './route.js';
import { trainCommand } from './train.js';
import { addModelCommand } from './add-model.js';
import { discoverCommand } from './discover.js';
import { leidenCommand } from './leiden.js';
import { labelCommand } from './label.js';
import { convertCommand } from './convert.js';
import { serveCommand } from './serve.js';

/** Every subcommand, in the order `finerouter --help` lists them. Add one import and one entry per command. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  embedCommand,
  discoverCommand,
  routeCommand,
  evalCommand,
  trainCommand,
  addModelCommand,
  labelCommand,
  convertCommand,
  serveCommand,
  leidenCommand,
];
