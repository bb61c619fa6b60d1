import { readFileSync } from 'node:fs';
import { checkYaml } from '../config/load.js';
import { datasetSchema } from './schema.js';
import type { ImportResult, ReferenceStore } from './store.js';

/** Imports a dataset file (YAML or JSON). Shape problems come back with line numbers. */
export async function importDatasetFile(reference: ReferenceStore, file: string, actor = 'cli'): Promise<ImportResult> {
  const text = readFileSync(file, 'utf8');
  const checked = checkYaml(text, datasetSchema);
  if (!checked.ok) return { ok: false, issues: checked.issues };
  return reference.importDataset(checked.data, { actor, role: 'admin', action: 'dataset.import' });
}
