import { operations, type OperationSpec } from '../api.js';
import { SCHEMAS } from '../../reference/records.js';
import type { Collection } from '../../reference/store.js';
import { version } from '../schemas.js';

/**
 * CRUD of the reference data under /v1/admin/<collection>. The records are the dataset
 * schemas' own output, with their `version`.
 */
const NAMES: Record<Collection, [singular: string, noun: string]> = {
  townships: ['Township', 'township'],
  stations: ['Station', 'station'],
  people: ['Person', 'person'],
  assignments: ['Assignment', 'assignment (id: townshipId|role|personId|object)'],
  shifts: ['Shift', 'shift'],
};

function collectionOps(c: Collection) {
  const [one, noun] = NAMES[c];
  const record = SCHEMAS[c].safeExtend({ version });
  const tag = 'Reference data';
  const roles = ['admin'] as const;
  const path = `/v1/admin/${c}`;
  return operations({
    [`list${one}Records`]: { method: 'get', path, summary: `List ${noun}s (each with its version)`, tag, roles, status: 200, response: record.array() },
    [`get${one}Record`]: { method: 'get', path: `${path}/{id}`, summary: `One ${noun} with its version (ETag)`, tag, roles, status: 200, response: record },
    [`create${one}Record`]: {
      method: 'post',
      path,
      summary: `Create a ${noun} (409 if it exists, 422 on unknown references)`,
      tag,
      roles,
      body: SCHEMAS[c],
      status: 201,
      response: record,
      errors: [409, 422],
    },
    [`replace${one}Record`]: {
      method: 'put',
      path: `${path}/{id}`,
      summary: `Replace a ${noun}; needs If-Match: "<version>" or "version" in the body (412 on a concurrent edit, 428 without)`,
      tag,
      roles,
      body: SCHEMAS[c],
      status: 200,
      response: record,
      errors: [412, 422, 428],
    },
    [`delete${one}Record`]: {
      method: 'delete',
      path: `${path}/{id}`,
      summary: `Delete a ${noun} (409 when still in use)`,
      tag,
      roles,
      status: 204,
      errors: [409],
    },
  } as Record<string, OperationSpec>);
}

export const referenceApi = Object.fromEntries(
  (['townships', 'stations', 'people', 'assignments', 'shifts'] as const).map((c) => [c, collectionOps(c)]),
) as Record<Collection, ReturnType<typeof collectionOps>>;
