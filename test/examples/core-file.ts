import { createDials, fileSource } from '@dials/core';

// dials.yaml:
//   database:
//     host: localhost
//     port: 5432
export async function fromFile(path: string) {
  const dials = createDials({ source: fileSource(path), prefix: '' });
  await dials.ready();
  return dials; // dials.get('database/port') === 5432; edits to the file arrive as changes
}
