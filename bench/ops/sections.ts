import { idle } from './idle.js';
import { kill } from './kill.js';
import { reloadsSection } from './reloads.js';
import { restartsSection } from './restarts.js';
import type { OpsSection } from './section.js';
import { slowloris } from './slowloris.js';
import { soak } from './soak.js';
import { store } from './store.js';

/** The sections of `npm run bench:ops`, in the order they run (one line each to add one). */
export const SECTIONS: readonly OpsSection[] = [
  reloadsSection,
  restartsSection,
  slowloris,
  idle,
  soak,
  kill,
  store,
];
