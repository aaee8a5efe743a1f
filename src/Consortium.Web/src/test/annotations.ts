import type { Annotation } from '../api/types';

/** An annotation as the server sends it, with what a test names. */
export function annotation(fields: Partial<Annotation> & Pick<Annotation, 'id'>): Annotation {
  return {
    recordId: 'record-1',
    kind: 'note',
    text: '',
    visibility: 'consortium',
    author: 'tom@bravo',
    authorName: 'Tom',
    outletId: 'bravo',
    createdAt: '2026-11-25T17:00:00Z',
    sequence: 1,
    version: 1,
    resolved: false,
    retracted: false,
    investigationId: 'investigation-1',
    datasetId: 'dataset-1',
    ...fields,
  };
}
